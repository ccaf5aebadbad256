/* The scanner page's service worker: the page and its scripts stay on the phone, so a
 * reload in a hall without network still opens the scanner (its key, offline kit and
 * queue are in localStorage and IndexedDB). Network first, the last copy as fallback;
 * the API is never cached here.
 */
"use strict";

var CACHE = "kaigi-checkin-v1";  // checkin.js adds its page to this cache by name
var ASSETS = ["/static/checkin.js", "/static/checkin.css", "/static/vendor/jsQR.js"];
var PATIENCE_MS = 4000;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(ASSETS);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) {
      return caches.delete(n);
    }));
  }).then(function () { return self.clients.claim(); }));
});

function fresh(request) {
  // A hall's network may hang rather than fail: give up after a while.
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error("too slow")); }, PATIENCE_MS);
    fetch(request).then(function (response) {
      clearTimeout(timer);
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      resolve(response);
    }, function (error) { clearTimeout(timer); reject(error); });
  });
}

self.addEventListener("fetch", function (event) {
  var url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) { return; }
  var page = url.pathname.indexOf("/checkin/") === 0 && url.pathname !== "/checkin/sw.js";
  if (!page && ASSETS.indexOf(url.pathname) < 0) { return; }
  event.respondWith(fresh(event.request).catch(function () {
    return caches.match(event.request).then(function (hit) {
      return hit || caches.match(event.request, { ignoreSearch: true }).then(function (any) {
        return any || Response.error();
      });
    });
  }));
});
