/* Suggestions as you type, for every <input data-suggest="/search/suggest/">: the WAI-ARIA 1.2 combobox
   pattern with a listbox popup. Arrow keys move through the suggestions (aria-activedescendant), Enter
   picks one and searches for it, Escape closes the list, and a live region says how many there are.
   Without JavaScript the input is a plain search box in a plain form. No inline code: CSP stays strict. */
(function () {
  "use strict";
  var DELAY = 120; // ms after the last keystroke
  var counter = 0;

  function enhance(input) {
    var id = input.id || "suggest-" + (++counter);
    var list = document.createElement("ul");
    var status = document.createElement("p");
    var timer = null;
    var active = -1;
    var latest = 0;
    var options = [];

    input.id = id;
    list.id = id + "-listbox";
    list.className = "suggest-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggestions");
    list.hidden = true;
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("autocomplete", "off");
    input.parentNode.classList.add("suggest-host");
    input.parentNode.insertBefore(list, input.nextSibling);
    input.parentNode.appendChild(status);

    function close() {
      list.hidden = true;
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({block: "nearest"});
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(option) {
      input.value = option.getAttribute("data-value");
      close();
      var form = input.form;
      if (form) {
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      }
    }

    function render(suggestions) {
      list.textContent = "";
      options = suggestions.map(function (suggestion, i) {
        var option = document.createElement("li");
        option.id = list.id + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.setAttribute("data-value", suggestion.label);
        option.textContent = suggestion.label;
        if (suggestion.matched) {
          var hint = document.createElement("span");
          hint.className = "suggest-hint";
          hint.textContent = " (" + suggestion.matched + ")";
          option.appendChild(hint);
        }
        var kind = document.createElement("span");
        kind.className = "suggest-kind";
        kind.textContent = {condition: "Condition", approach: "Therapy", format: "Format", age: "Age group",
                            crisis: "Help now"}[suggestion.kind] || "";
        option.appendChild(kind);
        option.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the focus in the input
          choose(option);
        });
        list.appendChild(option);
        return option;
      });
      active = -1;
      input.removeAttribute("aria-activedescendant");
      var count = options.length;
      status.textContent = count ? count + " suggestion" + (count === 1 ? "" : "s") + ", use the arrow keys" :
        (input.value.trim() ? "No suggestions" : "");
      list.hidden = !count;
      input.setAttribute("aria-expanded", count ? "true" : "false");
    }

    function fetchSuggestions() {
      var text = input.value.trim();
      var ticket = ++latest;
      if (!text) { render([]); return; }
      fetch(input.getAttribute("data-suggest") + "?q=" + encodeURIComponent(text.slice(0, 100)),
            {headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : {suggestions: []}; })
        .then(function (data) { if (ticket === latest) { render(data.suggestions || []); } })
        .catch(function () { if (ticket === latest) { render([]); } });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, DELAY);
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden && options.length > 0;
      if (event.key === "ArrowDown") {
        if (!open) { fetchSuggestions(); return; }
        event.preventDefault();
        highlight(active < options.length - 1 ? active + 1 : 0);
      } else if (event.key === "ArrowUp") {
        if (!open) { return; }
        event.preventDefault();
        highlight(active > 0 ? active - 1 : options.length - 1);
      } else if (event.key === "Enter") {
        if (open && active >= 0) {
          event.preventDefault();
          choose(options[active]);
        } else {
          close();
        }
      } else if (event.key === "Escape") {
        if (open) {
          event.preventDefault();
          close();
        }
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("input[data-suggest]"), enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
