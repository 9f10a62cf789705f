// Rule rows (add, remove, running total) and the fields that depend on other choices.
(function () {
  var MAX_RULES = 10;
  var form = document.getElementById("exam-form");
  var rows = document.getElementById("rule-rows");
  var template = document.getElementById("rule-template");
  var addButton = document.getElementById("rule-add");
  var total = document.getElementById("rule-total");

  function nextIndex() {
    var used = Array.prototype.map.call(rows.querySelectorAll("select[name$='-type']"), function (el) {
      return parseInt(el.name.split("-")[1], 10);
    });
    return used.length ? Math.max.apply(null, used) + 1 : 0;
  }
  function refresh() {
    var count = rows.querySelectorAll(".rule-row").length;
    addButton.disabled = count >= MAX_RULES;
    rows.querySelectorAll(".rule-remove").forEach(function (b) { b.disabled = count <= 1; });
    var questions = 0, points = 0;
    rows.querySelectorAll(".rule-row").forEach(function (row) {
      var n = parseInt(row.querySelector(".rule-count").value, 10) || 0;
      var p = parseFloat(row.querySelector(".rule-points").value) || 0;
      questions += n; points += n * p;
    });
    total.textContent = questions ? "共 " + questions + " 题，满分 " + (Math.round(points * 100) / 100) + " 分" : "";
  }
  addButton.addEventListener("click", function () {
    var html = template.innerHTML.replace(/__prefix__/g, String(nextIndex()));
    rows.insertAdjacentHTML("beforeend", html);
    refresh();
    rows.lastElementChild.querySelector("select").focus();
  });
  rows.addEventListener("click", function (event) {
    var button = event.target.closest(".rule-remove");
    if (button && rows.querySelectorAll(".rule-row").length > 1) {
      button.closest(".rule-row").remove();
      refresh();
    }
  });
  rows.addEventListener("input", refresh);

  function show(id, visible) { document.getElementById(id).hidden = !visible; }
  function sync() {
    var mode = form.querySelector("input[name='paper_mode']:checked");
    var fixed = mode && mode.value === "fixed";
    show("rules-section", !fixed);
    show("fixed-section", fixed);
    show("partial-percent", form.partial_credit.value === "fixed");
    show("review-from", form.review.value === "answers");
  }
  form.addEventListener("change", sync);
  sync();
  refresh();
})();
