/* The registration form's proof-of-work challenge (ALTCHA scheme, see events/challenge.py).
 *
 * Find n from 0 to maxnumber with hex(SHA-256(salt + n)) === challenge, then put
 * base64(JSON {algorithm, challenge, number, salt, signature}) in the hidden field. The
 * submit button waits until it is found. WebCrypto where the page is a secure context;
 * otherwise (plain http on a LAN) the same hash in JavaScript. */
(function () {
  "use strict";

  var box = document.getElementById("challenge");
  if (!box) { return; }
  var form = box.closest("form");
  var field = form.querySelector('input[name="challenge"]');
  var status = document.getElementById("challenge-status");
  var buttons = form.querySelectorAll('button[type="submit"], input[type="submit"]');
  var task = JSON.parse(box.getAttribute("data-challenge"));
  var encoder = new TextEncoder();
  var BATCH = 256;

  function hex(bytes) {
    var out = "";
    for (var i = 0; i < bytes.length; i++) {
      out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    }
    return out;
  }

  // ---- SHA-256 without WebCrypto (FIPS 180-4) ---------------------------------------
  var K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2];

  function sha256(data) {
    var length = data.length;
    var blocks = ((length + 9 + 63) >> 6) << 6;
    var bytes = new Uint8Array(blocks);
    bytes.set(data);
    bytes[length] = 0x80;
    var view = new DataView(bytes.buffer);
    view.setUint32(blocks - 4, length * 8);
    view.setUint32(blocks - 8, Math.floor(length / 0x20000000));
    var h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c,
             0x1f83d9ab, 0x5be0cd19];
    var w = new Uint32Array(64);
    for (var offset = 0; offset < blocks; offset += 64) {
      for (var i = 0; i < 16; i++) { w[i] = view.getUint32(offset + i * 4); }
      for (i = 16; i < 64; i++) {
        var a = w[i - 15], b = w[i - 2];
        var s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
        var s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      var v = h.slice();
      for (i = 0; i < 64; i++) {
        var e = v[4], x = v[0];
        var t1 = (v[7] + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^
                 ((e >>> 25) | (e << 7))) + ((e & v[5]) ^ (~e & v[6])) + K[i] + w[i]) | 0;
        var t2 = ((((x >>> 2) | (x << 30)) ^ ((x >>> 13) | (x << 19)) ^
                 ((x >>> 22) | (x << 10))) + ((x & v[1]) ^ (x & v[2]) ^ (v[1] & v[2]))) | 0;
        v = [(t1 + t2) | 0, v[0], v[1], v[2], (v[3] + t1) | 0, v[4], v[5], v[6]];
      }
      for (i = 0; i < 8; i++) { h[i] = (h[i] + v[i]) | 0; }
    }
    var out = new Uint8Array(32);
    var outView = new DataView(out.buffer);
    for (i = 0; i < 8; i++) { outView.setUint32(i * 4, h[i] >>> 0); }
    return out;
  }

  // ---- the search ---------------------------------------------------------------------
  var subtle = window.isSecureContext && window.crypto && window.crypto.subtle;

  function digest(n) {
    var data = encoder.encode(task.salt + n);
    if (subtle) {
      return subtle.digest("SHA-256", data).then(function (buf) {
        return hex(new Uint8Array(buf));
      });
    }
    return Promise.resolve(hex(sha256(data)));
  }

  function search(start) {
    var end = Math.min(start + BATCH, task.maxnumber + 1);
    var tries = [];
    for (var n = start; n < end; n++) { tries.push(digest(n)); }
    return Promise.all(tries).then(function (hashes) {
      var found = hashes.indexOf(task.challenge);
      if (found >= 0) { return start + found; }
      if (end > task.maxnumber) { return null; }
      return search(end);
    });
  }

  function setButtons(disabled) {
    for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = disabled; }
  }

  function start() {
    search(0).then(solved).catch(function () {
      status.textContent = box.getAttribute("data-error");
      setButtons(false);  // the server says what is missing, in words
    });
  }

  function solved(number) {
    if (number === null) { throw new Error("no solution"); }
    field.value = btoa(JSON.stringify({
      algorithm: task.algorithm, challenge: task.challenge, number: number,
      salt: task.salt, signature: task.signature}));
    box.setAttribute("data-solved", "true");
    status.textContent = box.getAttribute("data-done");
    setButtons(false);
  }

  document.getElementById("challenge-needs-js").hidden = true;
  setButtons(true);
  status.textContent = box.getAttribute("data-working");
  // After the page has loaded: the search keeps the page busy, not its loading.
  if (document.readyState === "complete") { start(); }
  else { window.addEventListener("load", start); }
}());
