// People suggested as one types, from the team's search
// (GET /api/v1/interviewers): never the whole team sent with a page.
// `Loopwright.suggestPeople(input, query)` fills the input's datalist with
// "Name <email>" and answers the people found; every input marked
// `data-people-search` gets suggestions as it is typed into. The server
// reads a suggestion, an email or a full name, so without this script the
// field still works.
(function () {
  "use strict";
  if (!window.fetch) {
    return;
  }

  function suggestPeople(input, query) {
    if (query === input.dataset.asked) {
      return Promise.resolve(input.suggestions || []);
    }
    input.dataset.asked = query;
    var url = "/api/v1/interviewers?per_page=8&q=" + encodeURIComponent(query);
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (res) {
        return res.ok ? res.json() : { interviewers: [] };
      })
      .then(function (data) {
        var list = document.getElementById(input.getAttribute("list"));
        input.suggestions = data.interviewers || [];
        if (list && input.dataset.asked === query) {
          list.textContent = "";
          input.suggestions.forEach(function (person) {
            var option = document.createElement("option");
            option.value = person.name + " <" + person.email + ">";
            list.appendChild(option);
          });
        }
        return input.suggestions;
      });
  }

  window.Loopwright = window.Loopwright || {};
  window.Loopwright.suggestPeople = suggestPeople;

  var typing = null;
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.hasAttribute || !input.hasAttribute("data-people-search")) {
      return;
    }
    window.clearTimeout(typing);
    var query = input.value.trim();
    if (!query || /<[^>]*>$/.test(query)) {
      return;
    }
    typing = window.setTimeout(function () {
      suggestPeople(input, query);
    }, 150);
  });
})();
