/* Therapy Explorer's own script: progressive enhancement only; every page works without it.
 *
 * The shortlist lives in the address of "My summary" (/summary/?c=...&t=...&t=...). This file lets the
 * browser remember the last summary's address in its own localStorage, never sent to the server, so
 * that "Add to my shortlist" links add to that list and "My summary" in the menu opens it; and it offers
 * "Copy link", the browser's share sheet (where there is one) and "Print" on the summary page.
 * Loaded from base.html with `defer` (the Content-Security-Policy allows no inline script).
 */
(function () {
  "use strict";

  var KEY = "therapy-explorer:shortlist";

  function stored() {
    try {
      return window.localStorage.getItem(KEY) || "";
    } catch (error) { // storage switched off or full: behave as without JavaScript
      return "";
    }
  }

  function store(query) {
    try {
      if (query) {
        window.localStorage.setItem(KEY, query);
      } else {
        window.localStorage.removeItem(KEY);
      }
      return true;
    } catch (error) {
      return false;
    }
  }

  function summaryPath() {
    var link = document.querySelector("[data-shortlist-link]");
    return link ? new URL(link.getAttribute("href"), window.location.href).pathname : "/summary/";
  }

  /* The remembered shortlist with this link's approach added last, and the link's condition (and age group)
   * when it names one. Over four, the summary page shows the first four and says how to make room. */
  function merged(remembered, href) {
    var own = new URL(href, window.location.href);
    var mine = own.searchParams;
    var before = new URLSearchParams(remembered);
    var added = mine.getAll("t");
    var slugs = before.getAll("t").filter(function (slug) { return added.indexOf(slug) === -1; }).concat(added);
    var result = new URLSearchParams();
    var condition = mine.get("c") || (mine.has("c") ? "" : before.get("c"));
    var age = mine.has("c") ? mine.get("age") : before.get("age");
    if (condition) { result.append("c", condition); }
    slugs.forEach(function (slug) { result.append("t", slug); });
    if (age) { result.append("age", age); }
    own.search = result.toString();
    return own.pathname + own.search;
  }

  function enhanceLinks() {
    var remembered = stored();
    var menu = document.querySelector("[data-shortlist-link]");
    if (menu) {
      menu.setAttribute("href", summaryPath() + (remembered ? "?" + remembered : ""));
    }
    if (!remembered) { return; }
    var listed = new URLSearchParams(remembered).getAll("t");
    document.querySelectorAll("a[data-shortlist-add]").forEach(function (link) {
      // The server's own address for the link, kept so that running again (after htmx) starts from it.
      var own = link.getAttribute("data-shortlist-add") || link.getAttribute("href");
      link.setAttribute("data-shortlist-add", own);
      link.setAttribute("href", merged(remembered, own));
      var slug = new URL(own, window.location.href).searchParams.get("t");
      link.classList.toggle("is-listed", listed.indexOf(slug) !== -1);
    });
  }

  function say(status, message) {
    if (status) { status.textContent = message; }
  }

  function enhanceSummary() {
    var summary = document.querySelector("[data-shortlist-query]");
    if (!summary) { return; }
    var query = summary.getAttribute("data-shortlist-query");
    var status = summary.querySelector("[data-share-status]");
    if (query) { store(query); }

    var copy = summary.querySelector("[data-copy-link]");
    if (copy && navigator.clipboard && window.isSecureContext) {
      copy.hidden = false;
      copy.addEventListener("click", function () {
        navigator.clipboard.writeText(copy.getAttribute("data-copy-link")).then(
          function () { say(status, "Link copied. Paste it into an email or a message."); },
          function () { say(status, "Could not copy the link; copy it from the page instead."); }
        );
      });
    }
    var share = summary.querySelector("[data-share]");
    if (share && typeof navigator.share === "function") {
      share.hidden = false;
      share.addEventListener("click", function () {
        navigator.share({ title: document.title, url: share.getAttribute("data-share") }).catch(function () {});
      });
    }
    var print = summary.querySelector("[data-print]");
    if (print && typeof window.print === "function") {
      print.hidden = false;
      print.addEventListener("click", function () { window.print(); });
    }
    var forget = summary.querySelector("[data-forget]");
    if (forget && stored()) {
      forget.hidden = false;
      forget.addEventListener("click", function () {
        store("");
        forget.hidden = true;
        var menu = document.querySelector("[data-shortlist-link]");
        if (menu) { menu.setAttribute("href", summaryPath()); }
        say(status, "This browser no longer remembers the shortlist. The page itself is unchanged.");
      });
    }
  }

  function start() {
    enhanceSummary(); // first, so the links below add to the list just shown
    enhanceLinks();
  }

  // Browse results replaced by htmx bring new "Add to my shortlist" links.
  document.addEventListener("htmx:load", enhanceLinks);

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

/* Layout and busy state. Disclosures marked data-open-wide (the filter panels, the level key) start open
 * where the screen has room for them; on a phone they stay one line, so the results come first. While
 * htmx updates the browse results, they say so: visibly (dimmed, "Updating results…") and to screen
 * readers (aria-busy, and the page's live region). */
(function () {
  "use strict";

  var WIDE = window.matchMedia ? window.matchMedia("(min-width: 52rem)") : null;

  function openWhereWide(root) {
    if (!WIDE || !WIDE.matches) { return; }
    (root || document).querySelectorAll("details[data-open-wide]").forEach(function (details) {
      details.open = true;
    });
  }

  function busyRegion(event) {
    var target = event.detail && event.detail.target;
    return target && target.id === "browse" ? target : null;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var region = busyRegion(event);
    if (!region) { return; }
    region.setAttribute("aria-busy", "true");
    var status = document.getElementById("browse-status");
    if (status) { status.textContent = "Updating results…"; }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var region = busyRegion(event);
    if (region) { region.removeAttribute("aria-busy"); } // a failed request leaves the old results, not busy
    var current = document.getElementById("browse");
    if (current) { current.removeAttribute("aria-busy"); }
  });
  document.addEventListener("htmx:load", function (event) { openWhereWide(event.target); });

  /* "Show results" pressed on a phone: fold the filters away and take the reader to the results. */
  document.addEventListener("htmx:afterSettle", function (event) {
    var config = event.detail && event.detail.requestConfig;
    var trigger = config && config.triggeringEvent;
    if (!trigger || trigger.type !== "submit" || (WIDE && WIDE.matches) || !busyRegion(event)) { return; }
    var panel = document.querySelector("#browse details.filter-panel");
    var heading = document.getElementById("results-heading");
    if (panel) { panel.open = false; }
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  });

  /* A matrix that fits the page needs no sideways scroll box: without one, its header row sticks to the top
   * of the window as the page scrolls (a box that can scroll would hold the sticky header inside it). */
  function unboxFittingMatrices() {
    document.querySelectorAll(".matrix-scroll").forEach(function (box) {
      box.classList.remove("fits");
      box.classList.toggle("fits", box.scrollWidth <= box.clientWidth);
    });
  }

  function startLayout() {
    openWhereWide();
    unboxFittingMatrices();
    window.addEventListener("resize", unboxFittingMatrices);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", startLayout);
  } else {
    startLayout();
  }
})();
