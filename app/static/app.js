/* Behaviours every page may use, wired from data-* attributes (the CSP allows no inline scripts).
 *
 * - `data-autosubmit` on a form control: submit its form when the value changes.
 * - `data-confirm="…"` on a form (checked on submit) or a button (checked on click):
 *   ask the question first and go on only if the user agrees.
 * - Every form that posts is sent once: a second click while the page is loading is ignored
 *   and the buttons show they are busy (the server also refuses a form sent twice: form_once).
 *   `data-resubmit` on a form that answers a download (the page stays) leaves it alone.
 * - `data-print` on a button: open the browser's print dialog (the page's print CSS applies).
 */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var control = event.target.closest ? event.target.closest("[data-autosubmit]") : null;
    if (control && control.form) control.form.submit();
  });
  document.addEventListener("click", function (event) {
    var printer = event.target.closest ? event.target.closest("[data-print]") : null;
    if (printer) { event.preventDefault(); window.print(); return; }
    var button = event.target.closest ? event.target.closest("button[data-confirm], input[data-confirm]") : null;
    if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form[data-confirm]") && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (event.defaultPrevented || (form.method || "").toLowerCase() !== "post" || form.hasAttribute("data-resubmit")) return;
    if (form.dataset.sending === "1") { event.preventDefault(); return; }
    form.dataset.sending = "1";
    // After this event, so that the clicked button's name and value are still sent.
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]").forEach(function (b) {
        b.disabled = true;
        b.setAttribute("aria-busy", "true");
      });
    }, 0);
  });
  // Back to a page kept in the browser's cache: its forms may be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-sending]").forEach(function (form) {
      delete form.dataset.sending;
      form.querySelectorAll("[aria-busy]").forEach(function (b) { b.disabled = false; b.removeAttribute("aria-busy"); });
    });
  });
})();
