/* Community Voice service worker (scope /s/): survey pages fall back to their offline copy when
   the network is gone, and waiting answers are sent by Background Sync. See offline.js. */
"use strict";
importScripts("/static/offline.js");
var SURVEY = /^\/s\/([a-z0-9][a-z0-9-]*)(\/offline|\/event\/[^/]+)?\/?$/;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (e) { e.waitUntil(self.clients.claim()); });

function copyFor(url, slug) {
  /* The cached page that can stand in for url: itself, else the survey's copy in its language. */
  return caches.open("cv").then(function (c) {
    return c.match(url.href).then(function (hit) {
      if (hit) return hit;
      return c.keys().then(function (keys) {
        var lang = url.searchParams.get("lang"), best = null;
        keys.forEach(function (k) {
          var u = new URL(k.url);
          if (u.pathname !== "/s/" + slug + "/offline") return;
          if (!best || u.searchParams.get("lang") === lang) best = k;
        });
        return best ? c.match(best) : undefined;
      });
    });
  });
}

function patiently(find) {
  /* What the page is storing right now cannot be read yet: look again for up to three seconds. */
  var tries = 0;
  function again() {
    return find().then(function (found) {
      if (found || ++tries > 20) return found || Response.error();
      return new Promise(function (ok) { setTimeout(ok, 150); }).then(again);
    });
  }
  return again();
}

self.addEventListener("fetch", function (e) {
  var r = e.request, url = new URL(r.url);
  if (url.origin !== location.origin) return;
  if (r.method === "GET" && url.pathname.indexOf("/static/") === 0) {
    e.respondWith(fetch(r).then(function (res) {
      // A kept script stays the one the server serves now.
      if (res.ok) {
        var copy = res.clone();
        caches.open("cv").then(function (c) {
          return c.match(r).then(function (hit) {
            if (hit && hit.headers.get("ETag") !== copy.headers.get("ETag")) return c.put(r, copy);
          });
        });
      }
      return res;
    }).catch(function () { return patiently(function () { return caches.match(r); }); }));
    return;
  }
  var m = r.mode === "navigate" && url.pathname.match(SURVEY);
  if (!m) return;
  e.respondWith(fetch(r).then(function (res) {
    if (r.method === "GET" && m[2] && res.ok) {
      var copy = res.clone();
      caches.open("cv").then(function (c) { c.put(r, copy); });
    }
    return res;
  }).catch(function () { return patiently(function () { return copyFor(url, m[1]); }); }));
});

self.addEventListener("sync", function (e) {
  if (e.tag !== "cv-outbox") return;
  e.waitUntil(self.cvOffline.flush().then(function () {
    return self.clients.matchAll().then(function (all) {
      all.forEach(function (c) { c.postMessage("cv-outbox"); });
    });
  }));
});
