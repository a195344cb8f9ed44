/* Staff forms are sent once. A second tap while the first POST is on its way (a slow phone
 * network, a busy database) used to be a second redemption, loan, stock movement or visit:
 * the browser drops the first page load but the server has already received it. After a
 * form is submitted, further submits of that form are ignored until the next page, or for
 * RESUBMIT_AFTER_MS if no answer comes (the user can then try again). Buttons are not
 * disabled: a disabled submitter would drop its name=value from the form data. */
(function () {
  "use strict";
  var RESUBMIT_AFTER_MS = 10000;

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return;
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") return;
    if (form.dataset.sending) {
      event.preventDefault();
      return;
    }
    form.dataset.sending = "1";
    form.setAttribute("aria-busy", "true");
    window.setTimeout(function () { release(form); }, RESUBMIT_AFTER_MS);
  });

  function release(form) {
    delete form.dataset.sending;
    form.removeAttribute("aria-busy");
  }

  /* Back to a page kept in the back/forward cache: its forms may be sent again. */
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) document.querySelectorAll("form[data-sending]").forEach(release);
  });
})();
