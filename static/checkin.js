/* kaigi check-in scanner: camera + jsQR, the check-in API, and an offline mode.
 *
 * Online, every scan goes to the server, which decides. When the network is gone (or
 * a request takes too long), the page decides alone: it verifies the ticket's Ed25519
 * signature with the event's public key (WebCrypto), refuses revoked tickets from the
 * offline kit, shows the result marked "offline", and queues the scan in IndexedDB. The
 * queue is uploaded with each scan's nonce and scanned_at when the network is back; a
 * nonce makes a retried upload the same scan on the server.
 */
(function () {
  "use strict";

  var body = document.body;
  var slug = body.dataset.slug;
  var words = JSON.parse(document.getElementById("labels").textContent);
  var api = "/api/v1/events/" + encodeURIComponent(slug) + "/checkins";
  var prefix = "kaigi.checkin." + slug + ".";
  var TIMEOUT_MS = 4000;
  var KIT_EVERY_MS = 60000;
  var SYNC_EVERY_MS = 5000;
  var TICKET_TEXT = /^K[A-Za-z0-9_-]{60,}$/;
  var CODE_LIKE = /^K\S{30,}$/;

  var state = {
    key: localStorage.getItem(prefix + "key") || "",
    kit: null,
    publicKey: null,
    online: navigator.onLine !== false,
    busy: false,
    count: Number(localStorage.getItem(prefix + "count." + today()) || 0),
    local: {},  // day -> {registration id: [time, gate]} decided on this device
    lastCode: "",
    lastSeen: 0,
    syncing: false,
    stream: null,
    audio: null,
  };

  function $(id) { return document.getElementById(id); }

  function t(key, values) {
    var text = words[key] || key;
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(String(values[name]));
    });
    return text;
  }

  // ---- time in the event's zone ---------------------------------------------------------

  function zone() { return (state.kit && state.kit.event.timezone) || "Asia/Tokyo"; }

  function today(moment) {
    var parts = new Intl.DateTimeFormat("en-CA", {
      timeZone: (state && state.kit && state.kit.event.timezone) || "Asia/Tokyo",
      year: "numeric", month: "2-digit", day: "2-digit",
    }).formatToParts(moment || new Date());
    var get = function (type) { return parts.find(function (p) { return p.type === type; }).value; };
    return get("year") + "-" + get("month") + "-" + get("day");
  }

  function clock(iso) {
    if (!iso) { return ""; }
    return new Intl.DateTimeFormat(body.dataset.lang === "ja" ? "ja-JP" : "en-GB", {
      timeZone: zone(), hour: "2-digit", minute: "2-digit",
    }).format(new Date(iso));
  }

  // ---- storage: the key and kit in localStorage, the queue in IndexedDB ---------------

  function saveKey(key) {
    state.key = key;
    if (key) { localStorage.setItem(prefix + "key", key); } else { localStorage.removeItem(prefix + "key"); }
  }

  function openQueue() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open("kaigi-checkin", 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore("queue", { keyPath: "nonce" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function queueOp(mode, work) {
    return openQueue().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction("queue", mode);
        var result = work(tx.objectStore("queue"));
        tx.oncomplete = function () { db.close(); resolve(result && result.result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function enqueue(item) { return queueOp("readwrite", function (s) { s.put(item); }); }
  function dequeue(nonce) { return queueOp("readwrite", function (s) { s.delete(nonce); }); }
  function queued() {
    return queueOp("readonly", function (s) { return s.getAll(); }).then(function (items) {
      return (items || []).filter(function (i) { return i.slug === slug; }).sort(function (a, b) {
        return a.body.scanned_at < b.body.scanned_at ? -1 : 1;
      });
    });
  }

  function showQueue() {
    return queued().then(function (items) { $("queue-count").textContent = items.length; });
  }

  // ---- the network ------------------------------------------------------------------------

  function setOnline(online) {
    state.online = online;
    var net = $("net");
    net.dataset.state = online ? "online" : "offline";
    net.textContent = t(online ? "checkin_online" : "checkin_offline");
  }

  function call(path, options) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    options = options || {};
    options.signal = controller.signal;
    options.headers = Object.assign({ "Authorization": "Bearer " + state.key }, options.headers || {});
    return fetch(api + path, options).then(function (response) {
      clearTimeout(timer);
      setOnline(true);
      return response;
    }, function (error) {
      clearTimeout(timer);
      setOnline(false);
      throw error;
    });
  }

  function refused(response) {
    if (response.status === 401 || response.status === 403) {
      lock(t("checkin_key_refused"));
      return true;
    }
    return false;
  }

  // ---- the offline kit --------------------------------------------------------------------

  function b64url(text) {
    // Only its own alphabet: atob would read "+" and "/" as "-" and "_".
    if (!/^[A-Za-z0-9_-]+$/.test(text)) { throw new Error("not base64url"); }
    var plain = text.replace(/-/g, "+").replace(/_/g, "/");
    while (plain.length % 4) { plain += "="; }
    var raw = atob(plain);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  function useKit(kit) {
    state.kit = kit;
    state.publicKey = null;
    $("title").textContent = body.dataset.lang === "ja" ? (kit.event.title.ja || kit.event.title.en)
      : (kit.event.title.en || kit.event.title.ja);
    var select = $("session-select");
    var chosen = localStorage.getItem(prefix + "session") || "";
    while (select.options.length > 1) { select.remove(1); }
    kit.days.forEach(function (day) {
      day.sessions.forEach(function (s) {
        var option = document.createElement("option");
        option.value = String(s.id);
        option.textContent = day.day + " " + clock(s.starts_at) + " " +
          (body.dataset.lang === "ja" ? s.title.ja : s.title.en);
        select.appendChild(option);
      });
    });
    select.value = chosen;
    if (select.value !== chosen) { select.value = ""; }
    showToday();
  }

  function loadKit() {
    return call("/offline-kit").then(function (response) {
      if (refused(response)) { return false; }
      if (!response.ok) { return false; }
      return response.json().then(function (kit) {
        localStorage.setItem(prefix + "kit", JSON.stringify(kit));
        useKit(kit);
        return true;
      });
    });
  }

  function verifier() {
    if (state.publicKey) { return Promise.resolve(state.publicKey); }
    return crypto.subtle.importKey("raw", b64url(state.kit.key.public_key), { name: "Ed25519" },
      false, ["verify"]).then(function (key) { state.publicKey = key; return key; });
  }

  function readVarint(bytes, pos) {
    var value = 0;
    for (var shift = 0; shift < 35; shift += 7) {
      if (pos >= bytes.length) { return null; }
      var byte = bytes[pos++];
      value += (byte & 0x7f) * Math.pow(2, shift);
      if (!(byte & 0x80)) { return [value, pos]; }
    }
    return null;
  }

  // The same checks as events/tickets.verify: version, two varints, a 64-byte signature.
  function verifyTicket(code) {
    if (typeof code !== "string" || code.charAt(0) !== "K" || code.length > 200) {
      return Promise.resolve(null);
    }
    var raw;
    try { raw = b64url(code.slice(1).trim()); } catch (e) { return Promise.resolve(null); }
    if (raw.length < 3 + 64 || raw[0] !== 1) { return Promise.resolve(null); }
    var payload = raw.slice(0, raw.length - 64);
    var signature = raw.slice(raw.length - 64);
    var event = readVarint(payload, 1);
    var registration = event && readVarint(payload, event[1]);
    if (!registration || registration[1] !== payload.length) { return Promise.resolve(null); }
    return verifier().then(function (key) {
      return crypto.subtle.verify({ name: "Ed25519" }, key, signature, payload);
    }).then(function (ok) {
      return ok ? { event: event[0], registration: registration[0] } : null;
    }, function () { return null; });
  }

  function entered(day) {
    var out = {};
    ((state.kit && state.kit.entered[day]) || []).forEach(function (row) {
      out[row[0]] = [row[1], row[2]];
    });
    Object.assign(out, state.local[day] || {});
    return out;
  }

  function showToday() {
    $("today").textContent = Object.keys(entered(today())).length;
  }

  function remember(day, id, at, gate) {
    state.local[day] = state.local[day] || {};
    state.local[day][id] = [at, gate];
    // Kept across reloads: a phone that restarts offline still knows who came in.
    localStorage.setItem(prefix + "entered", JSON.stringify(state.local));
    showToday();
  }

  function restoreEntries() {
    var kept = {};
    try { kept = JSON.parse(localStorage.getItem(prefix + "entered") || "{}"); } catch (e) { kept = {}; }
    var now = today();
    Object.keys(kept).forEach(function (day) { if (day >= now) { state.local[day] = kept[day]; } });
  }

  function decideOffline(scan, moment) {
    var kit = state.kit;
    var answer = { offline: true, gate: scan.gate || "", registration: null, first_entry: null };
    if (!kit) { return Promise.resolve(Object.assign(answer, { result: "invalid" })); }
    var found = scan.code !== undefined ? verifyTicket(scan.code) :
      Promise.resolve({ event: kit.event.id, registration: scan.registration_id });
    return found.then(function (ticket) {
      if (!ticket) { return Object.assign(answer, { result: "invalid" }); }
      if (ticket.event !== kit.event.id) { return Object.assign(answer, { result: "wrong_event" }); }
      var id = ticket.registration;
      answer.registration = { id: id, name: kit.names[String(id)] || t("checkin_ticket", { id: id }) };
      var reasons = ["cancelled", "waitlisted", "online_only"];
      for (var i = 0; i < reasons.length; i++) {
        if (kit.revoked[reasons[i]].indexOf(id) >= 0) { return Object.assign(answer, { result: reasons[i] }); }
      }
      var day = today(moment);
      var sessions = (kit.days.find(function (d) { return d.day === day; }) || { sessions: [] }).sessions;
      if (!sessions.length || (scan.session && !sessions.some(function (s) { return s.id === scan.session; }))) {
        return Object.assign(answer, { result: "wrong_day" });
      }
      var first = entered(day)[id];
      if (first) {
        return Object.assign(answer, { result: "already_checked_in", first_entry: { at: first[0], gate: first[1] } });
      }
      remember(day, id, moment.toISOString(), answer.gate);
      return Object.assign(answer, { result: "checked_in" });
    });
  }

  // ---- scanning ---------------------------------------------------------------------------

  function nonce() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function scanBody(what) {
    var scan = Object.assign({ nonce: nonce(), gate: $("gate-input").value.trim() }, what);
    var session = $("session-select").value;
    if (session) { scan.session = Number(session); }
    return scan;
  }

  function submit(what) {
    var scan = scanBody(what);
    var moment = new Date();
    state.busy = true;
    var online = call("", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(scan),
    }).then(function (response) {
      if (refused(response)) { return null; }
      if (response.status >= 500) { throw new Error("server trouble: decide here"); }
      return response.json().then(function (answer) {
        if (!answer.result) {  // a request the server could not read: show why
          show({ result: "error", detail: answer.detail, registration: null }, false);
          return null;
        }
        if (answer.result === "checked_in" && answer.registration) {
          remember(answer.day, answer.registration.id, answer.scanned_at, answer.gate);
        }
        show(answer, false);
        sync();
        return answer;
      });
    });
    return online.catch(function () {
      // No answer in time: decide here, and let the queue tell the server later. If the
      // request did arrive, the nonce makes the upload replay that first answer.
      return decideOffline(scan, moment).then(function (answer) {
        show(answer, true);
        scan.scanned_at = moment.toISOString();
        scan.offline_result = answer.result;
        return enqueue({ nonce: scan.nonce, slug: slug, body: scan }).then(showQueue).then(function () {
          return answer;
        });
      });
    }).finally(function () { state.busy = false; });
  }

  function sync() {
    if (state.syncing || !state.key) { return Promise.resolve(); }
    state.syncing = true;
    var sent = 0;
    return queued().then(function next(items) {
      if (!items.length) { return; }
      var item = items[0];
      return call("", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(item.body),
      }).then(function (response) {
        if (response.status === 401 || response.status === 403 || response.status >= 500) {
          throw new Error("keep the queue");
        }
        return response.json().catch(function () { return {}; }).then(function (answer) {
          if (answer.result === "duplicate") { noticeDuplicate(answer); }
          // A scan the server cannot read (a clock far ahead, say) would never go up.
          if (!answer.result) { notice(t("result_error") + ": " + (answer.detail || response.status)); }
          sent += 1;
          return dequeue(item.nonce);
        });
      }).then(function () { return next(items.slice(1)); });
    }).catch(function () { /* still offline: try again later */ }).then(function () {
      state.syncing = false;
      if (sent) {
        notice(t("checkin_synced", { n: sent }));
        loadKit().catch(function () {});
      }
      return showQueue();
    });
  }

  function noticeDuplicate(answer) {
    var other = answer.duplicate_of || {};
    var name = (answer.registration && answer.registration.name) || "";
    notice(other.gate ? t("checkin_duplicate_notice", { name: name, time: clock(other.at), gate: other.gate })
                      : t("checkin_duplicate_notice_no_gate", { name: name, time: clock(other.at) }));
  }

  function notice(text) {
    var box = $("notice");
    box.textContent = text;
    box.hidden = false;
  }

  // ---- the result -------------------------------------------------------------------------

  var TONE = { ok: [880, 0.12, [80]], warn: [440, 0.25, [80, 60, 80]], bad: [220, 0.45, [300]] };

  function kind(result) {
    if (result === "checked_in") { return "ok"; }
    if (result === "already_checked_in" || result === "duplicate") { return "warn"; }
    return "bad";
  }

  function idle() {
    // A new question clears the last answer: no result stays up after it stopped applying.
    var box = $("result");
    box.className = "result idle";
    box.dataset.result = "";
    box.dataset.offline = "false";
    $("result-title").textContent = t("checkin_ready");
    $("result-offline").hidden = true;
    $("result-name").textContent = "";
    $("result-detail").textContent = "";
  }

  function show(answer, offline) {
    var box = $("result");
    var k = kind(answer.result);
    box.className = "result " + k;
    box.dataset.result = answer.result;
    box.dataset.offline = offline ? "true" : "false";
    $("result-title").textContent = t("result_" + answer.result);
    $("result-offline").hidden = !offline;
    var r = answer.registration;
    $("result-name").textContent = r ? (r.name || t("checkin_ticket", { id: r.id })) : "";
    var detail = [];
    if (r && r.name_kana) { detail.push(r.name_kana); }
    if (r && r.affiliation) { detail.push(r.affiliation); }
    if (r && r.attendance) { detail.push(t("attendance_" + r.attendance)); }
    if (answer.result !== "checked_in" && answer.first_entry) {
      var first = answer.first_entry;
      detail.push(first.gate ? t("checkin_first_entry", { time: clock(first.at), gate: first.gate })
                             : t("checkin_first_entry_no_gate", { time: clock(first.at) }));
    }
    if (k === "bad" && answer.detail && answer.result === "error") { detail.push(answer.detail); }
    $("result-detail").textContent = detail.join(" · ");
    if (k === "ok") {
      state.count += 1;
      localStorage.setItem(prefix + "count." + today(), String(state.count));
      $("count").textContent = state.count;
    }
    signal(k);
  }

  function signal(k) {
    var tone = TONE[k];
    // Browsers allow vibration only after the user touched the page once.
    var touched = !navigator.userActivation || navigator.userActivation.hasBeenActive;
    if (navigator.vibrate && touched) { navigator.vibrate(tone[2]); }
    try {
      state.audio = state.audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = state.audio.createOscillator();
      var gain = state.audio.createGain();
      osc.frequency.value = tone[0];
      gain.gain.value = 0.2;
      osc.connect(gain).connect(state.audio.destination);
      osc.start();
      osc.stop(state.audio.currentTime + tone[1]);
    } catch (e) { /* no sound: the colour still speaks */ }
  }

  // ---- the camera -------------------------------------------------------------------------

  function startCamera() {
    if (state.stream) { return; }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      notice(t("checkin_camera_failed"));
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (stream) {
        state.stream = stream;
        var video = $("video");
        video.srcObject = stream;
        video.play();
        $("camera-button").hidden = true;
        requestAnimationFrame(frame);
      }, function () { notice(t("checkin_camera_failed")); });
  }

  var lastFrame = 0;
  function frame(now) {
    requestAnimationFrame(frame);
    var video = $("video");
    if (now - lastFrame < 120 || state.busy || video.readyState < 2 || !video.videoWidth) { return; }
    lastFrame = now;
    var scale = Math.min(1, 640 / video.videoWidth);
    var w = Math.round(video.videoWidth * scale), h = Math.round(video.videoHeight * scale);
    var canvas = $("canvas");
    canvas.width = w;
    canvas.height = h;
    var context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(video, 0, 0, w, h);
    var found = window.jsQR(context.getImageData(0, 0, w, h).data, w, h, { inversionAttempts: "dontInvert" });
    if (!found || !found.data) { return; }
    var code = found.data.trim();
    var seen = Date.now();
    // The same ticket held in front of the camera is one scan until it leaves the frame.
    if (code === state.lastCode && seen - state.lastSeen < 2500) { state.lastSeen = seen; return; }
    state.lastCode = code;
    state.lastSeen = seen;
    submit({ code: code });
  }

  // ---- the manual fallback ----------------------------------------------------------------

  // As the server compares (events/kana.py): NFKC, katakana as hiragana, no case.
  function fold(text) {
    return text.normalize("NFKC").replace(/[\u30a1-\u30f6]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0x60);
    }).toLowerCase();
  }

  function searchLocally(q) {
    var kit = state.kit;
    if (!kit) { return []; }
    var needle = fold(q).replace(/^#/, "");
    return Object.keys(kit.names).filter(function (id) {
      return id === needle || fold(kit.names[id]).indexOf(needle) >= 0;
    }).slice(0, 20).map(function (id) {
      return { id: Number(id), name: kit.names[id], offline: true };
    });
  }

  function search(q) {
    return call("/search?q=" + encodeURIComponent(q)).then(function (response) {
      if (refused(response)) { return []; }
      return response.json().then(function (data) { return data.items || []; });
    }, function () { return searchLocally(q); }).then(renderMatches);
  }

  function renderMatches(items) {
    var list = $("search-results");
    list.textContent = "";
    if (!items.length) {
      var none = document.createElement("li");
      none.textContent = t("checkin_no_match");
      list.appendChild(none);
      return;
    }
    items.forEach(function (item) {
      var li = document.createElement("li");
      var who = document.createElement("span");
      var facts = [t("ticket_number") + " " + item.id, item.name];
      if (item.name_kana) { facts.push(item.name_kana); }
      if (item.status && item.status !== "confirmed") { facts.push(t("result_" + item.status)); }
      if ((item.entered_days || []).indexOf(today()) >= 0) { facts.push(t("result_already_checked_in")); }
      if (item.attendance) { facts.push(t("attendance_" + item.attendance)); }
      who.textContent = facts.join(" · ");
      li.appendChild(who);
      list.appendChild(li);
      // Nothing to admit: a cancelled registration gets no check-in button.
      if (item.status === "cancelled") { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "big";
      button.textContent = t("checkin_button");
      button.addEventListener("click", function () {
        submit({ registration_id: item.id });
        list.textContent = "";
        $("search-input").value = "";
      });
      li.appendChild(button);
    });
  }

  // ---- locking and setting up -------------------------------------------------------------

  function lock(message) {
    saveKey("");
    $("scanner").hidden = true;
    $("lock").hidden = false;
    $("lock-error").textContent = message || "";
  }

  function unlocked() {
    $("lock").hidden = true;
    $("scanner").hidden = false;
    $("count").textContent = state.count;
    startCamera();
    sync();
  }

  function unlock(key) {
    saveKey(key);
    return loadKit().then(function (ok) {
      if (ok) { unlocked(); } else if (state.key) { lock(t("checkin_key_refused")); }
    }, function () {
      var cached = localStorage.getItem(prefix + "kit");
      if (cached) {
        useKit(JSON.parse(cached));
        unlocked();
      } else {
        lock(t("checkin_network_needed"));
        saveKey(key);
      }
    });
  }

  function showSetupQr() {
    call("/setup-qr.png").then(function (response) {
      if (refused(response) || !response.ok) { return; }
      return response.blob().then(function (blob) {
        var reader = new FileReader();
        reader.onload = function () {  // a data: URL, as the page's CSP allows no blob:
          $("setup-qr").src = reader.result;
          $("setup").hidden = false;
        };
        reader.readAsDataURL(blob);
      });
    }).catch(function () {});
  }

  function forget() {
    if (!window.confirm(t("checkin_forget_confirm"))) { return; }
    Object.keys(localStorage).forEach(function (name) {
      if (name.indexOf(prefix) === 0) { localStorage.removeItem(name); }
    });
    queued().then(function (items) {
      return Promise.all(items.map(function (i) { return dequeue(i.nonce); }));
    }).finally(function () { location.reload(); });
  }

  function start() {
    // A setup QR opens /checkin/SLUG#key=...: keep the key, then drop it from the address.
    var match = /(?:^#|&)key=([^&]+)/.exec(location.hash);
    if (match) {
      saveKey(decodeURIComponent(match[1]));
      history.replaceState(null, "", location.pathname + location.search);
    }
    setOnline(state.online);
    $("gate-input").value = localStorage.getItem(prefix + "gate") || "";
    $("gate-input").addEventListener("change", function () {
      localStorage.setItem(prefix + "gate", this.value.trim());
    });
    $("session-select").addEventListener("change", function () {
      localStorage.setItem(prefix + "session", this.value);
    });
    $("unlock-form").addEventListener("submit", function (event) {
      event.preventDefault();
      unlock($("key-input").value.trim());
    });
    $("search-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var q = $("search-input").value.trim();
      // A hand-held scanner types the code and Enter into the focused box: scan it.
      // Something shaped like a code but not one (a misread, a typo) is still a scan, so
      // the door sees "invalid" rather than the previous person's result.
      if (TICKET_TEXT.test(q) || CODE_LIKE.test(q)) {
        $("search-input").value = "";
        submit({ code: q });
      } else if (q) {
        idle();
        search(q);
      }
    });
    $("camera-button").addEventListener("click", startCamera);
    $("setup-button").addEventListener("click", showSetupQr);
    $("forget-button").addEventListener("click", forget);
    window.addEventListener("online", function () { setOnline(true); sync(); });
    window.addEventListener("offline", function () { setOnline(false); });
    setInterval(function () { if (state.key) { sync(); } }, SYNC_EVERY_MS);
    setInterval(function () { if (state.key) { loadKit().catch(function () {}); } }, KIT_EVERY_MS);
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/checkin/sw.js", { scope: "/checkin/" }).then(function () {
        // This very page came before the worker: keep it too, for a reload offline.
        return caches.open("kaigi-checkin-v1").then(function (cache) {
          return cache.add(location.pathname + location.search);
        });
      }).catch(function () {});
    }
    var cached = localStorage.getItem(prefix + "kit");
    if (cached) { useKit(JSON.parse(cached)); }
    restoreEntries();
    showQueue().catch(function () {});
    if (state.key) { unlock(state.key); } else { lock(""); }
  }

  start();
}());
