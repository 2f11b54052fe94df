// Criteria edit form: live weight totals per dimension and "add a criterion" rows.
(function () {
  "use strict";
  function total(card) {
    var sum = 0;
    card.querySelectorAll(".criterion-row").forEach(function (row) {
      var del = row.querySelector("input[name$='-DELETE']");
      var weight = row.querySelector("input[name$='-weight']");
      if (del && del.checked) { return; }
      var value = parseInt(weight && weight.value, 10);
      if (!isNaN(value)) { sum += value; }
    });
    var out = card.querySelector(".weight-total");
    out.textContent = sum;
    out.classList.toggle("text-danger", sum !== 100);
    out.classList.toggle("text-success", sum === 100);
  }
  document.querySelectorAll(".criteria-form [data-dimension]").forEach(function (card) {
    card.addEventListener("input", function () { total(card); });
    card.addEventListener("change", function () { total(card); });
    var add = card.querySelector(".add-row");
    add.addEventListener("click", function () {
      var prefix = card.dataset.dimension;
      var counter = card.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
      var index = parseInt(counter.value, 10);
      var html = card.querySelector("template.empty-row").innerHTML.replace(/__prefix__/g, String(index));
      card.querySelector(".criterion-rows").insertAdjacentHTML("beforeend", html);
      counter.value = String(index + 1);
    });
    total(card);
  });
})();
