// Behaviours that templates ask for with data- attributes, so that no page needs inline script or
// inline event handlers: the Content-Security-Policy forbids both (docs/decisions/0009-content-security-policy.md).
//   <select data-autosubmit>              submits its form when the choice changes
//   <button data-print>                   opens the print dialog
//   <a data-history-back href="...">      goes back one page (the href is the fallback)
//   <form data-action-from-select>        posts to the URL chosen in its <select>
// Listeners sit on the document, so content swapped in by HTMX behaves the same.
(function () {
  "use strict";
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el instanceof Element && el.matches("select[data-autosubmit]") && el.form) {
      el.form.submit();
    }
  });
  document.addEventListener("click", function (e) {
    var el = e.target instanceof Element ? e.target.closest("[data-print], [data-history-back]") : null;
    if (!el) return;
    if (el.hasAttribute("data-print")) {
      window.print();
    } else if (window.history.length > 1) {
      e.preventDefault();
      window.history.back();
    }
  });
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form instanceof HTMLFormElement && form.hasAttribute("data-action-from-select")) {
      var select = form.querySelector("select");
      if (select && select.value) form.action = select.value;
    }
  });
})();
