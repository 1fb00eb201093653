// The planner without page loads: questions added and removed in place, and
// stages and questions reordered by drag and drop or by keyboard (a grab
// button: Space to pick up, arrow keys to move, Space to drop, Escape to
// cancel). Every change goes through the JSON API with the loop's version;
// a 409 says someone else changed the loop and offers to reload. Without
// this script every form still posts as before.
(function () {
  "use strict";

  var root = document.getElementById("planner");
  if (!root || root.dataset.canEdit !== "true" || !window.fetch || !window.DOMParser) {
    return;
  }
  var live = document.getElementById("planner-live");
  var conflict = document.getElementById("planner-conflict");
  var busy = false;
  var picker = null; // { el, stageId, query }
  var held = null; // a picked-up item for keyboard moves: { item, list, from }

  function version() {
    return Number(root.dataset.version);
  }

  function say(text) {
    // Seen beside the picker too, where the eyes are while adding.
    var seen = picker && picker.el.querySelector(".picker-status");
    if (seen) {
      seen.textContent = text;
    }
    // Cleared first so the same words are announced twice in a row.
    live.textContent = "";
    window.setTimeout(function () {
      live.textContent = text;
    }, 30);
  }

  function Conflict() {}

  function showConflict() {
    conflict.textContent = "";
    var text = document.createElement("span");
    text.textContent = "Someone else changed this loop. Reload to see their changes; yours was not saved.";
    var reload = document.createElement("button");
    reload.type = "button";
    reload.className = "button primary small";
    reload.textContent = "Reload";
    reload.addEventListener("click", function () {
      window.location.reload();
    });
    conflict.appendChild(text);
    conflict.appendChild(reload);
    conflict.hidden = false;
    reload.focus();
  }

  function showError(message) {
    conflict.textContent = message;
    conflict.hidden = false;
  }

  // One API call carrying the loop's version; resolves with the loop.
  function api(method, url, body) {
    var options = {
      method: method,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRF-Token": root.dataset.csrf },
    };
    if (body) {
      body.version = version();
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (res) {
      if (res.status === 409) {
        showConflict();
        throw new Conflict();
      }
      return res.json().then(function (data) {
        if (!res.ok) {
          throw new Error((data && data.error && data.error.message) || "The change was not saved.");
        }
        return data;
      });
    });
  }

  // Runs one change, then redraws the stages and the coverage from the
  // server's page, keeping open panels, the picker and the focus.
  function change(request, done) {
    if (busy) {
      return Promise.resolve();
    }
    busy = true;
    root.classList.add("is-busy");
    return request()
      .then(function () {
        return refresh();
      })
      .then(function () {
        conflict.hidden = true;
        say(done);
      })
      .catch(function (e) {
        if (!(e instanceof Conflict)) {
          showError(e.message || "The change was not saved.");
        }
      })
      .then(function () {
        busy = false;
        root.classList.remove("is-busy");
      });
  }

  function refresh() {
    var open = Array.prototype.map.call(root.querySelectorAll("details[open]"), function (d) {
      return d.id;
    });
    var focused = document.activeElement && document.activeElement.id;
    return fetch(window.location.pathname, {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    })
      .then(function (res) {
        return res.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("planner");
        if (!fresh) {
          return;
        }
        if (picker) {
          picker.el.remove();
        }
        ["planner-stages", "planner-checks", "planner-version"].forEach(function (id) {
          var now = document.getElementById(id);
          var next = doc.getElementById(id);
          if (now && next) {
            now.replaceWith(document.adoptNode(next));
          }
        });
        root.dataset.version = fresh.dataset.version;
        open.forEach(function (id) {
          var d = id && document.getElementById(id);
          if (d) {
            d.open = true;
          }
        });
        enhance();
        var back = focused && document.getElementById(focused);
        if (back) {
          back.focus();
        }
        if (picker) {
          // The change is done when the picker shows what the stage now holds.
          placePicker(picker.stageId);
          return picker && loadPicker();
        }
      });
  }

  function stageIds() {
    return Array.prototype.map.call(root.querySelectorAll("#stage-list > .stage-item"), function (li) {
      return Number(li.dataset.stageId);
    });
  }

  function questionIds(stageId) {
    var list = root.querySelector('.stage-questions[data-stage-id="' + stageId + '"]');
    if (!list) {
      return [];
    }
    return Array.prototype.map.call(list.children, function (li) {
      return Number(li.dataset.questionId);
    });
  }

  function setQuestions(stageId, ids, done) {
    return change(function () {
      return api("PUT", "/api/v1/stages/" + stageId + "/questions", { question_ids: ids });
    }, done);
  }

  function moveStage(stageId, position, done) {
    return change(function () {
      return api("PATCH", "/api/v1/stages/" + stageId, { position: position });
    }, done);
  }

  function field(form, name) {
    var input = form.querySelector('[name="' + name + '"]');
    return input ? input.value : "";
  }

  function stageOf(form) {
    var m = form.getAttribute("action").match(/^\/stages\/(\d+)/);
    return m ? Number(m[1]) : null;
  }

  // The forms that already work, sent through the API instead.
  root.addEventListener("submit", function (event) {
    var form = event.target;
    var kind = form.dataset.move || form.dataset.remove || (form.classList.contains("picker-add") && "add");
    var stageId = stageOf(form);
    if (!kind || stageId === null) {
      return;
    }
    event.preventDefault();
    var qid = Number(field(form, "question_id"));
    var ids = questionIds(stageId);
    var i = ids.indexOf(qid);
    var order = stageIds();
    var at = order.indexOf(stageId);
    if (kind === "stage-up" || kind === "stage-down") {
      var to = kind === "stage-up" ? at - 1 : at + 1;
      moveStage(stageId, to, "Stage moved to position " + (to + 1) + " of " + order.length + ".");
    } else if (kind === "stage") {
      change(function () {
        return api("DELETE", "/api/v1/stages/" + stageId + "?version=" + version());
      }, "Stage removed.");
    } else if (kind === "question-up" || kind === "question-down") {
      var j = kind === "question-up" ? i - 1 : i + 1;
      ids.splice(i, 1);
      ids.splice(j, 0, qid);
      setQuestions(stageId, ids, "Question moved to position " + (j + 1) + " of " + ids.length + ".");
    } else if (kind === "question") {
      ids.splice(i, 1);
      setQuestions(stageId, ids, "Question removed.");
    } else if (kind === "add") {
      if (i < 0) {
        ids.push(qid);
      }
      var stage = document.getElementById("stage-" + stageId + "-questions");
      if (stage) {
        stage.open = true;
      }
      setQuestions(stageId, ids, "Question added: " + ids.length + " in this stage.");
    }
  });

  // The picker: the stage's bank panel, loaded into the stage, keeping its
  // search from one stage to the next.
  function buildPicker() {
    var el = document.createElement("div");
    el.className = "planner-picker";
    el.id = "planner-picker";
    el.innerHTML =
      '<form class="search-row" role="search" aria-label="Search the bank">' +
      '<label class="visually-hidden" for="picker-q">Search the bank</label>' +
      '<input id="picker-q" type="search" placeholder="Search the bank">' +
      '<button class="button secondary small" type="submit">Search</button>' +
      '<button class="button secondary small picker-close" type="button">Close</button>' +
      "</form>" +
      '<p class="small picker-status" aria-hidden="true"></p>' +
      '<div class="picker-body"></div>';
    el.querySelector("form").addEventListener("submit", function (event) {
      event.preventDefault();
      event.stopPropagation();
      picker.query = el.querySelector("input").value;
      loadPicker();
    });
    var timer = null;
    el.querySelector("input").addEventListener("input", function (event) {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        picker.query = event.target.value;
        loadPicker();
      }, 250);
    });
    el.querySelector(".picker-close").addEventListener("click", function () {
      var opener = root.querySelector('.picker-open[data-stage-id="' + picker.stageId + '"]');
      var unfolded = picker.opened && document.getElementById(picker.opened);
      if (unfolded) {
        unfolded.open = false;
      }
      el.remove();
      picker = null;
      if (opener) {
        opener.focus();
      }
    });
    return el;
  }

  function placePicker(stageId) {
    var details = document.getElementById("stage-" + stageId + "-questions");
    if (!details) {
      picker = null;
      return;
    }
    details.open = true;
    details.appendChild(picker.el);
  }

  function loadPicker() {
    var p = picker;
    var url = "/stages/" + p.stageId + "/questions?q=" + encodeURIComponent(p.query || "");
    p.el.setAttribute("aria-busy", "true");
    if (p.shows !== p.stageId) {
      // Another stage's suggestions must not be clicked while these load.
      p.el.querySelector(".picker-body").textContent = "Loading suggestions…";
    }
    return fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (res) {
        return res.text();
      })
      .then(function (html) {
        if (picker !== p) {
          return;
        }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var results = doc.getElementById("picker-results");
        var body = p.el.querySelector(".picker-body");
        body.textContent = "";
        if (results) {
          results.removeAttribute("id");
          body.appendChild(document.adoptNode(results));
        }
        p.shows = p.stageId;
        p.el.removeAttribute("aria-busy");
      });
  }

  root.addEventListener("click", function (event) {
    var open = event.target.closest(".picker-open");
    if (!open) {
      return;
    }
    event.preventDefault();
    var stageId = Number(open.dataset.stageId);
    if (!picker) {
      picker = { el: buildPicker(), stageId: stageId, query: "", opened: null };
    }
    // Moving on folds the questions the picker unfolded, so the page stays short.
    if (picker.opened && picker.stageId !== stageId) {
      var done = document.getElementById(picker.opened);
      if (done) {
        done.open = false;
      }
      picker.opened = null;
    }
    var details = document.getElementById("stage-" + stageId + "-questions");
    if (details && !details.open) {
      picker.opened = details.id;
    }
    picker.stageId = stageId;
    placePicker(stageId);
    picker.el.querySelector("input").value = picker.query;
    picker.el.querySelector("input").focus();
    loadPicker();
  });

  // One interviewer added in place (the edit panel still sets them all):
  // the team is searched as one types (people.js), never sent whole with
  // the page.
  function suggest(input, query) {
    return window.Loopwright && window.Loopwright.suggestPeople
      ? window.Loopwright.suggestPeople(input, query)
      : Promise.resolve([]);
  }

  // The one person `input` names: a suggestion as shown, an exact email or
  // name, or the only match.
  function chosen(input, people) {
    var typed = input.value.trim().toLowerCase();
    var exact = people.filter(function (p) {
      return (p.name + " <" + p.email + ">").toLowerCase() === typed ||
        p.email.toLowerCase() === typed || p.name.toLowerCase() === typed;
    });
    if (exact.length === 1) {
      return exact[0];
    }
    return people.length === 1 ? people[0] : null;
  }

  function addInterviewer(input) {
    var typed = input.value.trim();
    if (!typed) {
      return;
    }
    // "Name <email>" (a suggestion) is looked up by its email.
    suggest(input, typed.replace(/^.*<([^>]*)>$/, "$1")).then(function (people) {
      var person = chosen(input, people);
      if (!person) {
        say(people.length ? "Several people match \u201c" + typed + "\u201d: pick one from the list." : "Nobody on the team matches \u201c" + typed + "\u201d.");
        return;
      }
      var line = input.closest(".stage-interviewers");
      var stageId = Number(line.dataset.stageId);
      var ids = Array.prototype.map.call(line.querySelectorAll("li[data-user-id]"), function (li) {
        return Number(li.dataset.userId);
      });
      if (ids.indexOf(person.id) >= 0) {
        say(person.name + " already interviews on this stage.");
        return;
      }
      ids.push(person.id);
      change(function () {
        return api("PUT", "/api/v1/stages/" + stageId + "/interviewers", { user_ids: ids });
      }, person.name + " added.");
    });
  }

  var typing = null;
  root.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("interviewer-add")) {
      return;
    }
    window.clearTimeout(typing);
    // A suggestion picked from the list adds at once.
    var typed = input.value.trim().toLowerCase();
    var picked = (input.suggestions || []).some(function (p) {
      return (p.name + " <" + p.email + ">").toLowerCase() === typed;
    });
    if (picked) {
      addInterviewer(input);
      return;
    }
    typing = window.setTimeout(function () {
      suggest(input, input.value.trim());
    }, 150);
  });
  root.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || !input.classList || !input.classList.contains("interviewer-add")) {
      return;
    }
    event.preventDefault();
    window.clearTimeout(typing);
    addInterviewer(input);
  });

  // Reordering: the grab buttons, for keyboard and for dragging.
  function commitMove(item, list, from) {
    var to = Array.prototype.indexOf.call(list.children, item);
    if (to === from) {
      say("Not moved.");
      return;
    }
    var total = list.children.length;
    if (item.classList.contains("stage-item")) {
      moveStage(Number(item.dataset.stageId), to, "Stage moved to position " + (to + 1) + " of " + total + ".");
    } else {
      var stageId = Number(list.dataset.stageId);
      setQuestions(stageId, questionIds(stageId), "Question moved to position " + (to + 1) + " of " + total + ".");
    }
  }

  function label(item) {
    var heading = item.querySelector("h3, .q-text");
    return heading ? heading.textContent.trim() : "";
  }

  function grabButton(item, list, what) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "grab";
    button.id = "grab-" + (item.dataset.stageId ? "stage-" + item.dataset.stageId : "q-" + list.dataset.stageId + "-" + item.dataset.questionId);
    button.setAttribute("aria-pressed", "false");
    button.setAttribute("aria-describedby", "reorder-hint");
    button.innerHTML = '<span aria-hidden="true">⠿</span><span class="visually-hidden">Move ' + what + "</span>";
    button.querySelector(".visually-hidden").textContent = "Move " + what + ": " + label(item);
    button.addEventListener("keydown", function (event) {
      var key = event.key;
      if (key === " " || key === "Enter") {
        event.preventDefault();
        if (!held) {
          held = { item: item, list: list, from: Array.prototype.indexOf.call(list.children, item) };
          item.classList.add("is-grabbed");
          button.setAttribute("aria-pressed", "true");
          say("Picked up " + label(item) + ", position " + (held.from + 1) + " of " + list.children.length + ". Arrow keys move it, Space drops it, Escape cancels.");
        } else if (held.item === item) {
          var from = held.from;
          held = null;
          item.classList.remove("is-grabbed");
          button.setAttribute("aria-pressed", "false");
          commitMove(item, list, from);
        }
      } else if (held && held.item === item && (key === "ArrowUp" || key === "ArrowDown")) {
        event.preventDefault();
        var sibling = key === "ArrowUp" ? item.previousElementSibling : item.nextElementSibling;
        if (sibling) {
          list.insertBefore(item, key === "ArrowUp" ? sibling : sibling.nextElementSibling);
          button.focus();
        }
        var at = Array.prototype.indexOf.call(list.children, item);
        say("Position " + (at + 1) + " of " + list.children.length + ".");
      } else if (held && held.item === item && key === "Escape") {
        event.preventDefault();
        held = null;
        item.classList.remove("is-grabbed");
        button.setAttribute("aria-pressed", "false");
        // The server's order is the one to go back to.
        refresh();
        say("Move cancelled.");
      }
    });
    dragWith(button, item, list);
    return button;
  }

  // Dragging follows the pointer (mouse, pen or finger) rather than HTML
  // drag and drop, which touch screens and some drivers never start: the
  // item moves among its siblings as the pointer passes their middles, and
  // the new order is saved when it is let go.
  function dragWith(handle, item, list) {
    var drag = null;
    // Moving the item in the page drops any pointer capture, so the moves
    // and the release are heard on the document.
    function move(event) {
      if (!drag.moving && Math.abs(event.clientY - drag.y) + Math.abs(event.clientX - drag.x) < 4) {
        return;
      }
      drag.moving = true;
      item.classList.add("is-grabbed");
      Array.prototype.forEach.call(list.children, function (other) {
        if (other === item) {
          return;
        }
        var rect = other.getBoundingClientRect();
        var middle = rect.top + rect.height / 2;
        var before = Array.prototype.indexOf.call(list.children, other) < Array.prototype.indexOf.call(list.children, item);
        if (before && event.clientY < middle) {
          list.insertBefore(item, other);
        } else if (!before && event.clientY > middle) {
          list.insertBefore(item, other.nextElementSibling);
        }
      });
    }
    function end(event) {
      document.removeEventListener("pointermove", move);
      document.removeEventListener("pointerup", end);
      document.removeEventListener("pointercancel", end);
      var d = drag;
      drag = null;
      item.classList.remove("is-grabbed");
      if (!d || !d.moving) {
        return;
      }
      if (event.type === "pointercancel") {
        refresh();
        return;
      }
      commitMove(item, list, d.from);
    }
    handle.addEventListener("pointerdown", function (event) {
      if (event.button !== 0 || busy || held || drag) {
        return;
      }
      event.preventDefault();
      drag = { from: Array.prototype.indexOf.call(list.children, item), x: event.clientX, y: event.clientY, moving: false };
      document.addEventListener("pointermove", move);
      document.addEventListener("pointerup", end);
      document.addEventListener("pointercancel", end);
    });
  }

  function enhance() {
    var hint = document.getElementById("reorder-hint");
    if (hint) {
      hint.hidden = false;
    }
    var stages = document.getElementById("stage-list");
    if (stages && !stages.dataset.enhanced) {
      stages.dataset.enhanced = "true";
      Array.prototype.forEach.call(stages.children, function (item) {
        var head = item.querySelector(".stage-head");
        head.insertBefore(grabButton(item, stages, "stage"), head.firstChild);
      });
    }
    Array.prototype.forEach.call(root.querySelectorAll(".stage-questions"), function (list) {
      if (list.dataset.enhanced) {
        return;
      }
      list.dataset.enhanced = "true";
      Array.prototype.forEach.call(list.children, function (item) {
        var line = item.querySelector(".q-line");
        line.insertBefore(grabButton(item, list, "question"), line.firstChild);
      });
    });
    var people = document.getElementById("planner-people");
    Array.prototype.forEach.call(root.querySelectorAll(".stage-interviewers"), function (line) {
      if (!people || line.querySelector(".interviewer-add")) {
        return;
      }
      var box = people.content.firstElementChild.cloneNode(true);
      var input = box.querySelector("input");
      var list = box.querySelector("datalist");
      var heading = document.getElementById("stage-" + line.dataset.stageId + "-heading");
      list.id = "stage-" + line.dataset.stageId + "-people";
      input.id = "stage-" + line.dataset.stageId + "-interviewer-add";
      input.setAttribute("list", list.id);
      input.setAttribute("aria-label", "Add an interviewer to " + (heading ? heading.textContent : "this stage") + ": type a name or email, then Enter");
      line.appendChild(box);
    });
  }

  enhance();
})();
