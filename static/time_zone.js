// Loopwright: tell the server the browser's time zone at sign-in, so times
// are shown in it until the person chooses another. Without this script
// they see UTC, named, and can pick a zone on their account page.
(function () {
  "use strict";
  var field = document.getElementById("field-browser-zone");
  if (!field || !window.Intl || !Intl.DateTimeFormat) return;
  try {
    field.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    field.value = "";
  }
})();
