/* Outlet CRM: live countdowns and self-refreshing boards. No dependencies.
 *
 * <span class="countdown" data-due="2025-01-06T10:30:00+08:00"
 *       data-warn="2025-01-06T10:20:00+08:00"></span>
 *   Every second the text becomes the time left: "mm:ss" ("h:mm:ss" beyond
 *   an hour), with a leading "-" once overdue. Class "warning" is on from
 *   data-warn, class "breached" from data-due.
 *
 * <body data-refresh-seconds="30">  (or on any container)
 *   Every 30 s the page is fetched again and the inner HTML of #live is
 *   swapped for the fresh one; without #live the page is reloaded. If the
 *   server cannot be reached, the old content stays (marked .stale) and the
 *   next round tries again.
 */
(function () {
  "use strict";

  // Django's "c" date format can carry microseconds; Date.parse wants ms.
  function parse(value) {
    return value ? Date.parse(value.replace(/(\.\d{3})\d+/, "$1")) : NaN;
  }

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  // Whole seconds, rounded so that "00:00" is shown exactly when breached.
  function format(ms) {
    var s = ms > 0 ? Math.ceil(ms / 1000) : Math.floor(-ms / 1000);
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    var text = (h ? h + ":" + pad(m) : pad(m)) + ":" + pad(s % 60);
    return ms < 0 && s > 0 ? "-" + text : text;
  }

  function tick() {
    var now = Date.now();
    var clocks = document.querySelectorAll("[data-due]");
    for (var i = 0; i < clocks.length; i++) {
      var el = clocks[i];
      var due = parse(el.getAttribute("data-due"));
      if (isNaN(due)) continue;
      var warn = parse(el.getAttribute("data-warn"));
      var text = format(due - now);
      if (el.textContent !== text) el.textContent = text;
      el.classList.toggle("warning", now >= warn); // false when no data-warn
      el.classList.toggle("breached", now >= due);
    }
  }

  // --- Self-refreshing boards ---------------------------------------------

  var seconds = 0;
  var timer = null;
  var loading = false;
  var lastRefresh = Date.now();

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, seconds * 1000);
  }

  // Someone is typing or choosing in a field: do not pull it from under them.
  function busy(area) {
    var el = document.activeElement;
    return !!el && area.contains(el) && /^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName);
  }

  function refresh() {
    var live = document.getElementById("live");
    if (loading) return;
    if (document.hidden || busy(live || document.body)) return schedule();
    if (!live) return location.reload();

    loading = true;
    fetch(location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        // Redirected: most likely the session ended and this is the login page.
        if (response.redirected) return location.reload();
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text().then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById("live");
          if (!fresh) return location.reload();
          live.innerHTML = fresh.innerHTML;
          live.classList.remove("stale");
          lastRefresh = Date.now();
          tick();
        });
      })
      .catch(function () {
        live.classList.add("stale"); // offline or server error: retry later
      })
      .then(function () {
        loading = false;
        schedule();
      });
  }

  function start() {
    tick();
    setInterval(tick, 1000);

    var holders = document.querySelectorAll("[data-refresh-seconds]");
    for (var i = 0; i < holders.length; i++) {
      var s = parseInt(holders[i].getAttribute("data-refresh-seconds"), 10);
      if (s > 0 && (!seconds || s < seconds)) seconds = s;
    }
    if (!seconds) return;
    schedule();
    // Back on a phone that was locked for a while: refresh right away.
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden && Date.now() - lastRefresh >= seconds * 1000) refresh();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
