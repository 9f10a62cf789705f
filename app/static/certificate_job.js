/* A certificate job's progress (打包, 发证): polls `data-status-url` of #zip-job (or any
 * [data-status-url][data-job-poll]) every 2 s while it is queued or running and fills the
 * elements marked data-job="…" (status_label, done, total, bar, worker-missing, failed,
 * error, download). When the job ends, the page reloads once to show its final state.
 */
(function () {
  "use strict";
  var box = document.getElementById("zip-job") || document.querySelector("[data-status-url][data-job-poll]");
  if (!box || box.dataset.active !== "1") return;
  function part(name) { return box.querySelector('[data-job="' + name + '"]'); }
  function set(name, text) { var el = part(name); if (el) el.textContent = text; }
  function toggle(name, shown) { var el = part(name); if (el) el.classList.toggle("d-none", !shown); }
  function show(job) {
    set("status_label", job.status_label);
    set("done", job.done);
    set("total", job.total);
    set("error", job.error || "");
    var bar = part("bar");
    if (bar) { bar.style.width = job.percent + "%"; bar.textContent = job.percent + "%"; }
    toggle("worker-missing", job.worker_missing);
    toggle("failed", job.status === "failed");
    toggle("download", Boolean(job.download_url));
  }
  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (job) {
        if (!job) return window.setTimeout(poll, 5000);
        show(job);
        if (job.finished) window.location.reload();
        else window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
