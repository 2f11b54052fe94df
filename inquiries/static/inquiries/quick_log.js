// Quick log: htmx fills #company-suggestions with customers in the user's scope as the company is
// typed; picking one links the inquiry to that customer (and its segment). Typing again unlinks it.
(function () {
  "use strict";
  var input = document.getElementById("id_company_name");
  var hidden = document.getElementById("id_customer");
  var box = document.getElementById("company-suggestions");
  if (!input || !box) { return; }
  input.addEventListener("input", function () {
    if (hidden) { hidden.value = ""; }
  });
  box.addEventListener("click", function (event) {
    var option = event.target.closest("[data-customer-id]");
    if (!option) { return; }
    input.value = option.dataset.name;
    if (hidden) { hidden.value = option.dataset.customerId; }
    var segment = document.getElementById("id_segment");
    if (segment && option.dataset.segmentId) { segment.value = option.dataset.segmentId; }
    box.innerHTML = "";
    var phone = document.getElementById("id_phone");
    if (phone) { phone.focus(); }
  });
})();
