// burnwise console: local times, filters that apply on change, and a live incident list.
// No framework: the server renders every page; this only re-fetches the table body.
(function () {
  "use strict";
  function localTimes(root) {
    var fmt = new Intl.DateTimeFormat(undefined, {dateStyle: "medium", timeStyle: "short"});
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when)) { return; }
      if (!el.title) { el.title = el.textContent; }
      if (!/^\d+[smhd]$/.test(el.textContent.trim())) { el.textContent = fmt.format(when); }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var tz = document.getElementById("tz");
    if (tz) { tz.textContent = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC"; }
    localTimes(document);
    document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });
    var body = document.querySelector("[data-live]");
    if (!body) { return; }
    var state = document.getElementById("live-state");
    function refresh() {
      fetch(body.getAttribute("data-live"), {credentials: "same-origin", headers: {"Accept": "text/html"}})
        .then(function (r) {
          if (r.redirected || !r.ok) { throw new Error("HTTP " + r.status); }
          return r.text();
        })
        .then(function (html) {
          body.innerHTML = html;
          localTimes(body);
          if (state) { state.textContent = "Updated " + new Date().toLocaleTimeString() + "."; }
        })
        .catch(function (err) { if (state) { state.textContent = "Not updated (" + err.message + "); retrying."; } });
    }
    setInterval(refresh, Number(body.getAttribute("data-interval") || 10000));
  });
})();
