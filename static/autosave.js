// Loopwright: save a scorecard draft in the background while it is written.
// Progressive enhancement only: without this script the form posts as usual.
// It never changes a field. It counts the characters of each text with a
// limit (maxlength), and says in #autosave-status when one is over it; only
// a submit refused for that moves the focus, to the field to shorten.
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
      var long = tooLong();
      if (long) {
        say(labelOf(long) + " is over its limit; the draft is saved again once it fits.");
        return;
      }
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
        if (response.status === 409) {
          say("This scorecard was submitted elsewhere and is locked. Save or submit this form: what you typed comes back as an amendment to send.");
          return;
        }
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

    // Texts over their limit (the server refuses them): the first one, or null.
    function tooLong() {
      var fields = form.querySelectorAll("textarea[maxlength]");
      for (var i = 0; i < fields.length; i++) {
        var limit = parseInt(fields[i].getAttribute("maxlength"), 10);
        if (fields[i].value.length > limit) return fields[i];
      }
      return null;
    }

    function labelOf(field) {
      var label = form.querySelector("label[for='" + field.id + "']");
      return label ? label.textContent.trim() : "A text";
    }

    function count(field) {
      var out = form.querySelector("[data-count-for='" + field.id + "']");
      if (!out) return;
      var limit = parseInt(field.getAttribute("maxlength"), 10);
      var used = field.value.length;
      out.textContent = used.toLocaleString("en") + " of " + limit.toLocaleString("en") + " characters";
      out.classList.toggle("over", used > limit);
    }

    Array.prototype.forEach.call(form.querySelectorAll("textarea[maxlength]"), count);

    form.addEventListener("input", function (event) {
      if (event.target.matches && event.target.matches("textarea[maxlength]")) count(event.target);
      schedule();
    });
    form.addEventListener("change", schedule);
    // A real submit wins: drop any autosave still waiting. A text over its
    // limit stops it here, with the field named, before anything is sent.
    form.addEventListener("submit", function (event) {
      if (timer) clearTimeout(timer);
      timer = null;
      var field = tooLong();
      if (field) {
        event.preventDefault();
        count(field);
        say(labelOf(field) + " is longer than its limit of " +
          parseInt(field.getAttribute("maxlength"), 10).toLocaleString("en") +
          " characters; shorten it to save. Nothing was lost.");
        field.focus();
      }
    });
  });
})();
