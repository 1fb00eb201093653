// Loopwright: save a scorecard draft in the background while it is written.
// Progressive enhancement only: without this script the form posts as usual.
// It never moves focus or changes a field; it only updates #autosave-status.
(function () {
  "use strict";
  if (!window.fetch || !window.FormData || !window.URLSearchParams) return;

  var DELAY_MS = 3000;
  var forms = document.querySelectorAll("form[data-autosave]");

  Array.prototype.forEach.call(forms, function (form) {
    var url = form.getAttribute("data-autosave");
    var status = document.getElementById("autosave-status");
    var timer = null;
    var saving = false;
    var pending = false;

    function say(text) { if (status) status.textContent = text; }
    function pad(n) { return (n < 10 ? "0" : "") + n; }

    function save() {
      timer = null;
      if (saving) { pending = true; return; }
      saving = true;
      var body = new URLSearchParams(new FormData(form));
      body.delete("action");
      say("Saving…");
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: body.toString()
      }).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        var now = new Date();
        say("Draft saved at " + pad(now.getHours()) + ":" + pad(now.getMinutes()));
      }).catch(function () {
        say("Could not save the draft; your text is still here.");
      }).then(function () {
        saving = false;
        if (pending) { pending = false; save(); }
      });
    }

    function schedule() {
      if (timer) clearTimeout(timer);
      timer = setTimeout(save, DELAY_MS);
    }

    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    // A real submit wins: drop any autosave still waiting.
    form.addEventListener("submit", function () {
      if (timer) clearTimeout(timer);
      timer = null;
    });
  });
})();
