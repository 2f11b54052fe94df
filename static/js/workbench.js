// The workbench's own behaviour. No inline scripts anywhere (CSP: script-src 'self').
(function () {
  "use strict";
  // Confirm before destructive actions: <form data-confirm="…"> or <button data-confirm="…">, or a
  // chosen <option data-confirm="…"> of the form (e.g. the tier "not pursued").
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var trigger = event.submitter;
    var option = form.querySelector("option[data-confirm]:checked");
    var message = (trigger && trigger.dataset.confirm) || form.dataset.confirm || (option && option.dataset.confirm);
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  }, true);
  // htmx requests carry the CSRF token from the cookie-less meta/hidden input.
  document.body.addEventListener("htmx:configRequest", function (event) {
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (token) { event.detail.headers["X-CSRFToken"] = token.value; }
  });
})();
