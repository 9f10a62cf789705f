/* Behaviours every page may use, wired from data-* attributes (the CSP allows no inline scripts).
 *
 * - `data-autosubmit` on a form control: submit its form when the value changes.
 * - `data-confirm="…"` on a form (checked on submit) or a button (checked on click):
 *   ask the question first and go on only if the user agrees.
 */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var control = event.target.closest ? event.target.closest("[data-autosubmit]") : null;
    if (control && control.form) control.form.submit();
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-confirm], input[data-confirm]") : null;
    if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form[data-confirm]") && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });
})();
