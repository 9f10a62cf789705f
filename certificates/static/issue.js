/* The issuing page: poll the job's status while it is queued or running, and show it. */
(function () {
  "use strict";
  var box = document.getElementById("issue-job");
  if (!box) return;
  var bar = box.querySelector("[data-role=bar]");
  var message = box.querySelector("[data-role=message]");
  var stalled = box.querySelector("[data-role=stalled]");
  var active = function (status) { return status === "queued" || status === "running"; };
  if (!active(box.dataset.status)) return;

  function show(state) {
    bar.style.width = state.percent + "%";
    box.querySelector(".progress").setAttribute("aria-valuenow", state.percent);
    message.textContent = state.message;
    stalled.classList.toggle("d-none", !state.worker_missing);
    if (state.status === "done") bar.className = "progress-bar bg-success";
    if (state.status === "failed") bar.className = "progress-bar bg-danger";
  }

  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) { window.setTimeout(poll, 5000); return; }
        show(state);
        if (active(state.status)) window.setTimeout(poll, 1500);
        else window.setTimeout(function () { window.location.reload(); }, 800);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
