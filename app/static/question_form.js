// Show only the answer fields of the chosen question type.
(function () {
  var type = document.getElementById("type");
  function sync() {
    document.querySelectorAll("#question-form fieldset[data-for]").forEach(function (set) {
      set.hidden = set.dataset.for.split(" ").indexOf(type.value) < 0;
    });
  }
  type.addEventListener("change", sync);
  sync();
})();
