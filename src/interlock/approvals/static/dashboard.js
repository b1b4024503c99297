// Keeps the pending list current without a reload: polls a server-rendered fragment
// (same origin, session cookie) and swaps it in when the signature changes.  No libraries.
(function () {
  "use strict";
  var list = document.getElementById("pending");
  var live = document.getElementById("live");
  if (!list) return;
  var sig = list.getAttribute("data-sig") || "";
  var delay = 1500;

  function status(text) { if (live) live.textContent = text; }

  function tick() {
    fetch(list.getAttribute("data-src"), { credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        if (r.status === 401) { window.location.assign("/login"); throw new Error("logged out"); }
        if (!r.ok) throw new Error("HTTP " + r.status);
        var next = r.headers.get("X-Pending-Signature") || "";
        return r.text().then(function (html) {
          if (next !== sig) { list.innerHTML = html; sig = next; }
          status("live · checked " + new Date().toLocaleTimeString());
          delay = 1500;
        });
      })
      .catch(function () { status("offline · retrying"); delay = Math.min(delay * 2, 15000); })
      .then(function () { window.setTimeout(tick, delay); });
  }
  window.setTimeout(tick, delay);
})();
