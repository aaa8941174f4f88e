/* Keyboard shortcuts of the review queue (alerts.html). A static file: the CSP forbids
   inline script. Items are the elements with [data-queue-item] ("incident" or "alert"),
   in page order; [data-open] is where "open" goes, [data-review] an incident's review form.
     j / k      next / previous item (highlighted, scrolled into view, focused)
     o, Enter   open the item (Enter only when the item itself, or nothing, has focus)
     c / d      an alert: submit its own confirm / dismiss button (the server checks the
                role and the CSRF token as for a click); an incident: open its page at the
                review form (#review), where the lead decides
   Nothing fires while typing in an input, textarea, select or editable element, or with
   Ctrl, Alt or Meta held. Without JavaScript the page works the same with the mouse. */
(function () {
  "use strict";

  var CURRENT = "kbd-current";

  function typing(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function setUp() {
    var items = Array.prototype.slice.call(document.querySelectorAll("[data-queue-item]"));
    if (!items.length) { return; }
    var index = -1;

    function select(next) {
      if (next < 0 || next >= items.length) { return; }
      if (index >= 0) {
        items[index].classList.remove(CURRENT);
        items[index].removeAttribute("aria-current");
      }
      index = next;
      var item = items[index];
      item.classList.add(CURRENT);
      item.setAttribute("aria-current", "true");
      item.focus({ preventScroll: true });
      item.scrollIntoView({ block: "nearest" });
    }

    function go(url) {
      if (url) { window.location.assign(url); }
    }

    function decide(item, action) {
      if (item.dataset.queueItem === "incident") {
        go(item.dataset.review);
        return;
      }
      var form = item.querySelector("form.review-form");
      var button = form && form.querySelector("button[name=action][value=" + action + "]");
      if (!button) { return; }  // a viewer has no form: nothing to do
      if (form.requestSubmit) { form.requestSubmit(button); } else { button.click(); }
    }

    items.forEach(function (item, i) {
      item.addEventListener("focusin", function () {
        if (index !== i) {
          if (index >= 0) {
            items[index].classList.remove(CURRENT);
            items[index].removeAttribute("aria-current");
          }
          index = i;
          item.classList.add(CURRENT);
          item.setAttribute("aria-current", "true");
        }
      });
    });

    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.altKey || event.metaKey || event.defaultPrevented) { return; }
      if (typing(event.target)) { return; }
      var key = event.key;
      if (key === "j") {
        select(index < 0 ? 0 : Math.min(index + 1, items.length - 1));
      } else if (key === "k") {
        select(index < 0 ? 0 : Math.max(index - 1, 0));
      } else if (key === "o" || key === "Enter") {
        if (index < 0) { return; }
        var onItem = event.target === items[index] || event.target === document.body;
        if (key === "Enter" && !onItem) { return; }  // Enter on a link or button: native
        go(items[index].dataset.open);
      } else if (key === "c" || key === "d") {
        if (index < 0) { return; }
        decide(items[index], key === "c" ? "confirm" : "dismiss");
      } else {
        return;
      }
      event.preventDefault();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
