// The live board: poll the board API every 5 s, count down between polls, extend and close.
(function () {
  var board = document.getElementById("board");
  var tbody = document.querySelector("#board-table tbody");
  var status = document.getElementById("board-status");
  var message = document.getElementById("board-message");
  var filter = document.getElementById("board-filter");
  var token = document.querySelector("meta[name='csrf-token']").content;
  var PLACEHOLDER = "987654321";

  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function clock(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    return (h ? h + ":" + pad(m) : String(m)) + ":" + pad(s);
  }
  function minutes(seconds) { return String(Math.round(seconds / 6) / 10); }

  function row(r) {
    var state = r.offline ? "offline" : r.state, cells = [];
    cells.push('<td class="wrap who"><div class="fw-semibold">' + esc(r.name) + '</div><div class="small text-muted">' + esc(r.enterprise) + "</div></td>");
    if (r.state === "not_started") cells.push('<td><span class="badge text-bg-secondary">未开始</span></td>');
    else if (r.state === "in_progress") cells.push('<td><span class="badge text-bg-success">作答中</span>' + (r.offline ? ' <span class="badge text-bg-warning">离线</span>' : "") + "</td>");
    else if (r.state === "overdue") cells.push('<td><span class="badge text-bg-light border">已超时，待提交</span></td>');
    else cells.push('<td><span class="badge text-bg-light border">已交卷</span></td>');
    if (r.state === "not_started") cells.push('<td data-label="已答"></td>');
    else {
      var pct = r.questions ? Math.round(100 * r.answered / r.questions) : 0;
      cells.push('<td data-label="已答">' + r.answered + "/" + r.questions + '<div class="progress mt-1" style="height: 4px; width: 5rem" role="progressbar" aria-label="答题进度" aria-valuenow="' + r.answered + '" aria-valuemin="0" aria-valuemax="' + r.questions + '"><div class="progress-bar" style="width: ' + pct + '%"></div></div></td>');
    }
    if (r.state === "in_progress") {
      cells.push('<td data-label="剩余"><span class="remaining' + (r.remaining_seconds < 300 ? " text-danger fw-semibold" : "") + '" data-seconds="' + r.remaining_seconds + '">' + clock(r.remaining_seconds) + "</span>" +
        (r.extension_seconds ? '<div class="small text-muted">已延时 ' + minutes(r.extension_seconds) + " 分钟</div>" : "") + "</td>");
    } else cells.push('<td data-label="剩余"></td>');
    [["leave_count", "离开页面"], ["takeovers", "换设备"]].forEach(function (pair) {
      var key = pair[0];
      cells.push('<td class="text-end" data-label="' + pair[1] + '">' + (r.state === "not_started" ? "" : '<span class="' + (r[key] ? "text-danger fw-semibold" : "") + '">' + r[key] + "</span>") + "</td>");
    });
    cells.push('<td class="text-end" data-label="成绩">' + (r.state === "submitted" && r.score != null ? esc(r.score) : "") + "</td>");
    if (r.state === "in_progress") {
      cells.push('<td class="text-end actions"><button type="button" class="btn btn-sm btn-outline-primary" data-action="extend" data-attempt="' + r.attempt_id + '" data-name="' + esc(r.name) + '">延时</button> ' +
        '<button type="button" class="btn btn-sm btn-outline-danger" data-action="close" data-attempt="' + r.attempt_id + '" data-name="' + esc(r.name) + '">结束作答</button></td>');
    } else if (r.state === "submitted") {
      cells.push('<td class="text-end actions"><a class="btn btn-sm btn-link" href="' + board.dataset.reviewUrl.replace(PLACEHOLDER, r.attempt_id) + '">答卷</a></td>');
    } else cells.push('<td class="text-end actions"></td>');
    return '<tr data-state="' + state + '" data-attempt="' + (r.attempt_id || "") + '">' + cells.join("") + "</tr>";
  }

  function applyFilter() {
    tbody.querySelectorAll("tr[data-state]").forEach(function (tr) {
      var wanted = filter.value;
      var state = tr.dataset.state;
      tr.hidden = wanted !== "" && !(state === wanted || (wanted === "in_progress" && state === "offline"));
    });
  }

  function render(data) {
    var tally = {not_started: 0, in_progress: 0, offline: 0, submitted: 0};
    data.rows.forEach(function (r) { tally[r.state === "overdue" ? "submitted" : r.state] += 1; if (r.offline) tally.offline += 1; });
    Object.keys(tally).forEach(function (k) {
      var count = document.getElementById("tally-" + k);
      count.textContent = tally[k];
      var pill = count.parentNode;
      if (!pill.dataset.colour) return;
      // A zero count is a plain pill: green or yellow only when there is something to see.
      pill.classList.toggle(pill.dataset.colour, tally[k] > 0);
      pill.classList.toggle("text-bg-light", !tally[k]);
      pill.classList.toggle("border", !tally[k]);
    });
    document.getElementById("tally-all").textContent = data.rows.length;
    tbody.innerHTML = data.rows.length ? data.rows.map(row).join("") : '<tr><td colspan="8" class="text-center text-muted py-4">还没有考生</td></tr>';
    applyFilter();
  }

  var polling = false;
  function poll() {
    if (polling) return;
    polling = true;
    fetch(board.dataset.url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) throw new Error(response.status === 401 ? "登录已过期，请重新登录" : "服务器返回 " + response.status);
        return response.json();
      })
      .then(function (data) {
        render(data);
        var time = new Date(data.server_time);
        status.textContent = "每 5 秒自动刷新 · 更新于 " + time.toLocaleTimeString("zh-CN", {hour12: false, timeZone: "Asia/Shanghai"});
        status.classList.remove("text-danger");
      })
      .catch(function (error) {
        status.textContent = "刷新失败（" + error.message + "），稍后重试";
        status.classList.add("text-danger");
      })
      .then(function () { polling = false; });
  }

  function tick() {
    tbody.querySelectorAll(".remaining").forEach(function (el) {
      var left = Math.max(0, parseInt(el.dataset.seconds, 10) - 1);
      el.dataset.seconds = left;
      el.textContent = clock(left);
      if (left < 300) el.classList.add("text-danger", "fw-semibold");
    });
  }

  function notify(text, kind) {
    message.className = "alert py-2 alert-" + kind;
    message.textContent = text;
  }

  function send(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token},
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = data.error || {};
          var details = (error.details || []).map(function (d) { return d.message; }).filter(Boolean);
          throw new Error((error.message || "操作失败（" + response.status + "）") + (details.length ? "：" + details.join("；") : ""));
        }
        return data;
      });
    });
  }

  function dialog(kind) {
    var element = document.getElementById(kind + "-modal");
    return {element: element, modal: bootstrap.Modal.getOrCreateInstance(element), form: element.querySelector("form")};
  }
  var current = null;
  tbody.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) return;
    current = {kind: button.dataset.action, attempt: button.dataset.attempt, name: button.dataset.name};
    var d = dialog(current.kind);
    d.element.querySelector(".who").textContent = current.name;
    d.element.querySelector(".error").classList.add("d-none");
    d.form.reset();
    d.modal.show();
  });
  document.querySelectorAll("#extend-modal, #close-modal").forEach(function (element) {
    element.addEventListener("shown.bs.modal", function () { element.querySelector("input[id$='-reason']").focus(); });
  });

  function submitAction(kind, body, done) {
    var d = dialog(kind), error = d.element.querySelector(".error"), button = d.form.querySelector("[type=submit]");
    error.classList.add("d-none");
    button.disabled = true;
    var url = board.dataset[kind + "Url"].replace(PLACEHOLDER, current.attempt);
    send(url, body)
      .then(function () { d.modal.hide(); notify(done, "success"); poll(); })
      .catch(function (e) { error.textContent = e.message; error.classList.remove("d-none"); })
      .then(function () { button.disabled = false; });
  }
  document.getElementById("extend-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var minutes = parseInt(document.getElementById("extend-minutes").value, 10);
    var reason = document.getElementById("extend-reason").value.trim();
    var d = dialog("extend"), error = d.element.querySelector(".error");
    if (!(minutes >= 1 && minutes <= 240) || !reason) {
      error.textContent = !reason ? "请填写延时原因" : "延长时间应为 1–240 分钟";
      error.classList.remove("d-none");
      return;
    }
    submitAction("extend", {seconds: minutes * 60, reason: reason}, "已为 " + current.name + " 延时 " + minutes + " 分钟（不超过考试结束时间）。");
  });
  document.getElementById("close-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var reason = document.getElementById("close-reason").value.trim();
    if (!reason) {
      var error = dialog("close").element.querySelector(".error");
      error.textContent = "请填写结束作答的原因";
      error.classList.remove("d-none");
      return;
    }
    submitAction("close", {reason: reason}, "已结束 " + current.name + " 的作答并评分。");
  });

  filter.addEventListener("change", applyFilter);
  setInterval(tick, 1000);
  setInterval(poll, 5000);
})();
