/* Community Voice: the survey with no signal. An enhancement only: every page works without it.
   - On a survey page: keeps the survey's offline copy and this script in the cache, and remembers
     what was typed when Next or Send is pressed, in case the connection is gone.
   - On the offline copy (/s/<slug>/offline, event mode /s/<slug>/event/<key>): pages, skip logic
     and checks in the browser; answers wait in IndexedDB with their token until they are sent.
   - In the service worker (sw.js loads this file): sends what waits (Background Sync).
   The condition evaluator follows survey/conditions.py case for case (tests/conditions_cases.json). */
(function (g) {
  "use strict";
  var OPS = ["equals", "not_equals", "includes", "excludes", "lt", "le", "gt", "ge", "answered"];

  function isNum(v) { return typeof v === "number" && isFinite(v); }
  function asNum(v) {
    if (isNum(v)) return v;
    if (typeof v === "string" && v.trim() !== "" && /^[\s+\-.\d eE]*$/.test(v)) {
      var n = Number(v);
      return isFinite(n) ? n : null;
    }
    return null;
  }
  function parse(d) {
    if (!d || typeof d !== "object" || Array.isArray(d)) throw 0;
    var keys = Object.keys(d);
    if ("all" in d || "any" in d) {
      var name = "all" in d ? "all" : "any";
      if (keys.length !== 1 || !Array.isArray(d[name])) throw 0;
      return { c: name, items: d[name].map(parse) };
    }
    if ("not" in d) { if (keys.length !== 1) throw 0; return { c: "not", item: parse(d.not) }; }
    var ops = keys.filter(function (k) { return k !== "question"; });
    if (typeof d.question !== "string" || ops.length !== 1 || OPS.indexOf(ops[0]) < 0) throw 0;
    var op = ops[0], v = d[op];
    if (op === "answered") { if (typeof v !== "boolean") throw 0; }
    else if (/^[lg][te]$/.test(op)) { if (!isNum(v)) throw 0; }
    else if (typeof v !== "string" && !isNum(v)) throw 0;
    return { q: d.question, op: op, v: v };
  }
  function same(a, v) {
    if (Array.isArray(a)) return false;
    if (isNum(a) || isNum(v)) { var x = asNum(a), y = asNum(v); return x !== null && y !== null && x === y; }
    return String(a) === String(v);
  }
  function leaf(c, answers) {
    var a = Object.prototype.hasOwnProperty.call(answers, c.q) ? answers[c.q] : null;
    var has = a !== null && a !== undefined && a !== "" && !(Array.isArray(a) && !a.length);
    var inList = has && Array.isArray(a) && a.map(String).indexOf(String(c.v)) >= 0;
    switch (c.op) {
      case "answered": return has === c.v;
      case "equals": return has && same(a, c.v);
      case "not_equals": return !(has && same(a, c.v));
      case "includes": return inList;
      case "excludes": return !inList;
    }
    var n = has ? asNum(a) : null, l = asNum(c.v);
    if (n === null || l === null) return false;
    return c.op === "lt" ? n < l : c.op === "le" ? n <= l : c.op === "gt" ? n > l : n >= l;
  }
  function evaluate(c, answers) {
    if (c.c === "all") return c.items.every(function (i) { return evaluate(i, answers); });
    if (c.c === "any") return c.items.some(function (i) { return evaluate(i, answers); });
    if (c.c === "not") return !evaluate(c.item, answers);
    return leaf(c, answers);
  }
  /* Whether a question with this show_if is asked; an unreadable condition hides nothing. */
  function isShown(showIf, answers) {
    if (!showIf) return true;
    try { return evaluate(parse(showIf), answers); } catch (e) { return true; }
  }

  /* -- the outbox: answers waiting to be sent, in IndexedDB ------------------------------ */
  function db() {
    return new Promise(function (ok, fail) {
      var r = indexedDB.open("community-voice", 1);
      r.onupgradeneeded = function () {
        r.result.createObjectStore("outbox", { keyPath: "token" });
        r.result.createObjectStore("sent"); // how many answers each survey (and event) has sent
      };
      r.onsuccess = function () { ok(r.result); };
      r.onerror = function () { fail(r.error); };
    });
  }
  function store(mode, fn, name) {
    return db().then(function (d) {
      return new Promise(function (ok, fail) {
        var names = [].concat(name || "outbox"), t = d.transaction(names, mode);
        var out = fn(t.objectStore(names[0]), t);
        t.oncomplete = function () { ok(out && out.result); };
        t.onerror = function () { fail(t.error); };
      });
    });
  }
  function waiting() { return store("readonly", function (s) { return s.getAll(); }); }
  function enqueue(item) { return store("readwrite", function (s) { return s.put(item); }); }
  var flushing = null;
  /* Send every waiting answer; resolves to how many the server took. Failures stay waiting. */
  function flush() {
    if (flushing) return flushing;
    flushing = waiting().then(function (items) {
      return items.reduce(function (p, item) {
        return p.then(function (n) {
          return fetch(item.url, { method: "POST", headers: { "Content-Type": "application/json" },
            body: JSON.stringify(item.body), credentials: "omit" }).then(function (r) {
            if (!r.ok) return n;
            return store("readwrite", function (s, t) {
              // Gone from this device once stored: a shared tablet keeps no resident's answers.
              s.delete(item.token);
              if (r.status !== 201) return; // stored before (sent twice): counted then
              var sent = t.objectStore("sent"), get = sent.get(item.counter);
              get.onsuccess = function () { sent.put((get.result || 0) + 1, item.counter); };
            }, ["outbox", "sent"]).then(function () { return n + 1; });
          }, function () { return n; });
        });
      }, Promise.resolve(0));
    }).then(function (n) { flushing = null; return n; }, function (e) { flushing = null; throw e; });
    return flushing;
  }
  function sentCount(counter) { return store("readonly", function (s) { return s.get(counter); }, "sent"); }
  g.cvOffline = { isShown: isShown, flush: flush };
  if (typeof document === "undefined") return; // the service worker needs no more

  var form = document.getElementById("survey");
  var configNode = document.getElementById("cv-config");
  if (!configNode) {
    onlinePage();
    return;
  }
  offlineCopy(JSON.parse(configNode.textContent));

  function register() {
    if ("serviceWorker" in navigator) navigator.serviceWorker.register("/s/sw.js").catch(function () {});
  }
  function remember(urls) {
    if (g.caches) caches.open("cv").then(function (c) { return c.addAll(urls); }).catch(function () {});
  }
  function keepCopy(url, script) {
    /* The survey's offline copy and the script, fetched once per published version (the copy's
       address names it); the copy it replaces goes only once the new one is kept. */
    if (!g.caches) return;
    var want = new URL(url, location.href), lang = want.searchParams.get("lang");
    var need = [want.href, new URL(script, location.href).href];
    caches.open("cv").then(function (c) {
      return c.keys().then(function (keys) {
        var have = keys.map(function (k) { return k.url; });
        // Listed is enough: a copy still being written is not written a second time.
        if (need.every(function (u) { return have.indexOf(u) >= 0; })) return null;
        return c.addAll(need).then(function () { return c.keys(); }).then(function (keys) {
          keys.forEach(function (k) {
            var u = new URL(k.url);
            if (u.pathname === want.pathname && u.searchParams.get("lang") === lang && u.href !== want.href) c["delete"](k);
          });
        });
      });
    }).catch(function () {});
  }
  function draftKey(slug) { return "cv-draft:" + slug; }

  /* -- a survey page served online --------------------------------------------------------- */
  function onlinePage() {
    if (!form || !form.dataset.offline) return;
    register();
    keepCopy(form.dataset.offline, form.dataset.script);
    var slug = form.dataset.slug;
    sessionStorage.removeItem(draftKey(slug));
    form.addEventListener("submit", function (e) {
      var fields = {}, data = new FormData(form), b = e.submitter;
      data.forEach(function (v, k) { (fields[k] = fields[k] || []).push(String(v)); });
      sessionStorage.setItem(draftKey(slug), JSON.stringify({ fields: fields, action: b ? b.value : "next" }));
    });
  }

  /* -- the offline copy ---------------------------------------------------------------------- */
  function offlineCopy(cfg) {
    var M = cfg.messages, slug = cfg.slug, page = 0, idle = null;
    var status = document.getElementById("cv-status"), done = document.getElementById("cv-done");
    var doneStatus = document.getElementById("cv-done-status");
    var sections = [].slice.call(form.querySelectorAll("section[data-page]"));
    var blocks = [].slice.call(form.querySelectorAll("[data-q]"));
    var counter = slug + ":" + (cfg.event || "");
    register();
    // Shown in place of a survey page (no signal), it is already kept under its own address.
    if (/\/(offline|event\/[^/]+)\/?$/.test(location.pathname)) keepCopy(location.href, form.dataset.script);
    if (cfg.event) {
      // An event lasts all day: keep every language of it, and ask the browser not to evict.
      remember([].map.call(document.querySelectorAll(".langs a"), function (a) { return a.getAttribute("href"); }));
      if (navigator.storage && navigator.storage.persist) {
        navigator.storage.persist().then(function (kept) { if (!kept) say("cv-storage", M.storage); });
      }
    }
    function say(id, text) { var n = document.getElementById(id); n.textContent = text; n.hidden = !text; }
    function fill(text, values) {
      return text.replace(/%\((\w+)\)s/g, function (m, k) { return k in values ? values[k] : m; });
    }
    function inputs(b) { return [].slice.call(b.querySelectorAll("input[name^=q_],textarea[name^=q_]")); }
    function blank(v) { return !/[^\s\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff\u0000-\u001f]/.test(v); }
    function number(raw) {
      var t = raw.trim().replace(/[ \u00a0]/g, "");
      return /^[+-]?(\d+([.,]\d*)?|[.,]\d+)$/.test(t) ? Number(t.replace(",", ".")) : null;
    }
    function isoDate(v) {
      var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
      if (!m) return false;
      var t = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
      return t.getUTCFullYear() === +m[1] && t.getUTCMonth() === +m[2] - 1 && t.getUTCDate() === +m[3];
    }
    /* The answer a block holds, as the server reads it (null: none). */
    function value(b) {
      var kind = b.dataset.kind, els = inputs(b);
      var checked = els.filter(function (i) { return (i.type === "radio" || i.type === "checkbox") && i.checked; });
      if (els.length && (els[0].type === "radio" || els[0].type === "checkbox")) {
        var codes = checked.map(function (i) { return i.value; });
        if (!codes.length) return null;
        if (els[0].type === "checkbox") return codes;
        return kind === "rating" ? parseInt(codes[0], 10) : codes[0];
      }
      var raw = els.length ? els[0].value : "";
      if (blank(raw)) return null;
      return kind === "number" ? number(raw) : raw.trim();
    }
    function answers() {
      var a = {};
      blocks.forEach(function (b) {
        if (!isShown(showIf(b), a)) return;
        var v = value(b);
        if (v !== null) a[b.dataset.q] = v;
      });
      return a;
    }
    function showIf(b) { return b.dataset.showIf ? JSON.parse(b.dataset.showIf) : null; }
    function shownOn(i) {
      var a = answers();
      return blocks.filter(function (b) { return sections[i].contains(b) && isShown(showIf(b), a); });
    }
    function pages() { return sections.map(function (s, i) { return i; }).filter(function (i) { return shownOn(i).length; }); }
    function problem(b) {
      var els = inputs(b), raw = els.length && els[0].type !== "radio" && els[0].type !== "checkbox" ? els[0].value : "";
      var v = value(b), d = b.dataset;
      if (v === null && !(d.kind === "number" && !blank(raw))) return "required" in d ? M.required : "";
      if (d.kind === "number") {
        if (v === null) return M.number;
        if ("integer" in d && v !== Math.floor(v)) return M.whole;
        if (d.min !== undefined && v < Number(d.min)) return fill(M.small, { min: d.min });
        if (d.max !== undefined && v > Number(d.max)) return fill(M.large, { max: d.max });
      }
      if (d.maxLength && raw.length > Number(d.maxLength)) return fill(M.long, { max: d.maxLength, length: raw.length });
      if (d.kind === "date" && !isoDate(v)) return M.date;
      if (d.kind === "time" && !/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/.test(v)) return M.time;
      if (d.pattern) {
        // As the server: an answer must contain a match; a pattern that does not compile checks nothing.
        var re = null;
        try { re = new RegExp(d.pattern); } catch (e) { re = null; }
        if (re && !re.test(v)) return M.pattern;
      }
      return "";
    }
    function check(i) {
      var first = null;
      shownOn(i).forEach(function (b) {
        var text = problem(b), old = b.querySelector(".error[data-cv]");
        if (old) old.remove();
        inputs(b).forEach(function (n) { if (text) n.setAttribute("aria-invalid", "true"); else n.removeAttribute("aria-invalid"); });
        if (!text) return;
        var p = document.createElement("p");
        p.className = "error"; p.dataset.cv = "1"; p.textContent = text;
        var place = b.querySelector("legend, label");
        place.parentNode.insertBefore(p, place.nextSibling);
        first = first || b;
      });
      if (first) inputs(first)[0].focus();
      return !first;
    }
    function show(i) {
      var a = answers(), list = pages();
      page = list.indexOf(i) < 0 ? list[0] || 0 : i;
      sections.forEach(function (s, n) { s.hidden = n !== page; });
      blocks.forEach(function (b) { b.hidden = !isShown(showIf(b), a); });
      var at = list.indexOf(page);
      form.querySelector("[data-go=back]").hidden = at <= 0;
      form.querySelector("[data-go=next]").hidden = at >= list.length - 1;
      form.querySelector("[data-go=send]").hidden = at < list.length - 1;
    }
    function token() {
      var b = new Uint8Array(18);
      crypto.getRandomValues(b);
      return btoa(String.fromCharCode.apply(null, b)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    }
    function fields() {
      var f = {}, a = {};
      blocks.forEach(function (b) {
        if (!isShown(showIf(b), a)) return;
        var v = value(b);
        if (v !== null) a[b.dataset.q] = v;
        inputs(b).forEach(function (i) {
          if ((i.type === "radio" || i.type === "checkbox") && !i.checked) return;
          if (i.value !== "") (f[i.name] = f[i.name] || []).push(i.value);
        });
      });
      return f;
    }
    function counts() {
      if (!document.getElementById("cv-waiting")) return Promise.resolve();
      return waiting().then(function (items) {
        document.getElementById("cv-waiting").textContent = items.filter(function (i) { return i.counter === counter; }).length;
        return sentCount(counter);
      }).then(function (n) { document.getElementById("cv-sent").textContent = n || 0; });
    }
    function send() {
      return flush().then(waiting).then(function (items) {
        if (!done.hidden && !items.some(function (i) { return i.token === form.token.value; })) doneStatus.textContent = M.sent;
        return counts();
      }).catch(function () {});
    }
    function again() {
      form.reset();
      form.token.value = token();
      [].forEach.call(form.querySelectorAll(".error[data-cv]"), function (p) { p.remove(); });
      done.hidden = true; form.hidden = false;
      show(0);
      window.scrollTo(0, 0);
    }
    function restart() {
      clearTimeout(idle);
      if (cfg.event) idle = setTimeout(again, 120000); // the next resident finds a fresh form
    }
    form.addEventListener("input", function () { show(page); restart(); });
    form.addEventListener("change", function () { show(page); });
    document.addEventListener("click", function (e) {
      var go = e.target.closest && e.target.closest("[data-go]");
      if (!go) return;
      var list = pages(), at = list.indexOf(page);
      restart();
      if (go.dataset.go === "back") show(list[at - 1]);
      else if (go.dataset.go === "again") again();
      else if (check(page)) {
        if (go.dataset.go === "next") { show(list[at + 1]); window.scrollTo(0, 0); return; }
        var bad = list.filter(function (i) { return !check(i); })[0];
        if (bad !== undefined) { show(bad); say("cv-status", M.first); return; }
        var item = { token: form.token.value, counter: counter, url: cfg.send, created: Date.now(),
          body: { token: form.token.value, version: cfg.version, locale: cfg.locale, event: cfg.event, fields: fields() } };
        enqueue(item).then(function () {
          form.hidden = true; done.hidden = false; doneStatus.textContent = M.saved;
          done.querySelector("h2").focus();
          sessionStorage.removeItem(draftKey(slug));
          if (navigator.serviceWorker && g.SyncManager) {
            navigator.serviceWorker.ready.then(function (r) { return r.sync.register("cv-outbox"); }).catch(function () {});
          }
          return send();
        });
      }
    });
    g.addEventListener("online", function () { say("cv-status", ""); send(); });
    g.addEventListener("offline", function () { say("cv-status", M.offline); });
    if (navigator.serviceWorker) navigator.serviceWorker.addEventListener("message", function () { counts(); });
    var draft = JSON.parse(sessionStorage.getItem(draftKey(slug)) || "null");
    if (draft && !cfg.event) {
      // Next or Send was pressed when the connection had gone: carry on from that page here.
      Object.keys(draft.fields).forEach(function (name) {
        [].forEach.call(form.querySelectorAll("[name='" + name.replace(/'/g, "") + "']"), function (i) {
          if (i.type === "radio" || i.type === "checkbox") i.checked = draft.fields[name].indexOf(i.value) >= 0;
          else i.value = draft.fields[name][0]; // the same token: a send that did arrive is not stored twice
        });
      });
      page = Number((draft.fields.page || ["0"])[0]) || 0;
    }
    if (!form.token.value || !/^[\w-]{16,64}$/.test(form.token.value)) form.token.value = token();
    form.hidden = false;
    show(page);
    if (!navigator.onLine) say("cv-status", M.offline);
    send();
    restart();
  }
})(self);
