// The script of the pages the server serves with no bundle (api_client::bundles::PLAIN_PAGES).
// The page works without it; it adds what HTML alone cannot do.
(function () {
  "use strict";
  // The query code leaves the address bar once the page has shown the case (browser
  // history, screenshots, a shoulder), as the bundle does; the page's forms still carry it.
  if (document.querySelector("[data-drop-query]") && location.search) {
    history.replaceState(history.state, "", location.pathname);
  }
  // Print buttons are hidden until there is a script to press them.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  // "No" in a confirmation closes its <details>.
  document.querySelectorAll("[data-close-details]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var details = button.closest("details");
      if (details) {
        details.open = false;
        var summary = details.querySelector("summary");
        if (summary) summary.focus();
      }
    });
  });
  // A form sent once: a second press while the first is on its way sends nothing.
  document.querySelectorAll("form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sending) {
        event.preventDefault();
      }
      form.dataset.sending = "1";
    });
  });
  // Back to the page from the browser's cache: its forms can be sent again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sending]").forEach(function (form) {
      delete form.dataset.sending;
    });
  });
  document.documentElement.setAttribute("data-ready", "");
})();
