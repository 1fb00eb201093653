// Loopwright: the emails table on a candidate's page follows its deliveries
// while any is still queued or sending, so "Queued" turns into "Sent" (or
// "Failed") without a reload. It reads GET /api/v1/outbox with the session
// cookie; without this script a reload shows the same.
(function () {
  "use strict";
  var table = document.querySelector("table[data-deliveries]");
  if (!table || !window.fetch) return;
  var candidate = table.getAttribute("data-candidate-id");
  var news = document.getElementById("delivery-news");
  var labels = { queued: "Queued", sending: "Sending", sent: "Sent", failed: "Failed" };
  var kinds = { queued: "warn", sending: "warn", sent: "ok", failed: "bad" };
  var delay = 1500;
  var stopAt = Date.now() + 5 * 60 * 1000;

  function pending() {
    return table.querySelector("tr[data-status='queued'], tr[data-status='sending']") !== null;
  }

  function show(row, message) {
    var before = row.getAttribute("data-status");
    if (before === message.status) return;
    row.setAttribute("data-status", message.status);
    var badge = row.querySelector(".delivery-status .badge");
    if (badge) {
      badge.textContent = labels[message.status] || message.status;
      badge.className = "badge " + (kinds[message.status] || "muted");
    }
    var attempts = row.querySelector(".delivery-attempts");
    if (attempts) attempts.textContent = String(message.attempts);
    var error = row.querySelector(".delivery-error");
    if (error && message.last_error) error.textContent = message.last_error;
    if (news) {
      var subject = row.querySelector(".delivery-subject");
      news.textContent = (subject ? subject.textContent + ": " : "") +
        (labels[message.status] || message.status) + ".";
    }
  }

  function poll() {
    if (!pending() || Date.now() > stopAt) return;
    fetch("/api/v1/outbox?per_page=100&candidate_id=" + encodeURIComponent(candidate), {
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (body) {
        (body && body.messages || []).forEach(function (message) {
          var row = table.querySelector("tr[data-message-id='" + message.id + "']");
          if (row) show(row, message);
        });
      })
      .catch(function () { /* try again below */ })
      .then(function () {
        delay = Math.min(delay * 1.5, 10000);
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
