// The live leaderboard: server-sent events, and polling every 2 s while they fail.
(function () {
  var board = document.getElementById("board");
  if (!board) return;
  var tbody = document.querySelector("#board-table tbody");
  var nameHeader = document.querySelector("#board-table th.name");
  var frozenBanner = document.getElementById("board-frozen");
  var releasedBanner = document.getElementById("board-released");
  var connection = document.getElementById("board-connection");
  var updated = document.getElementById("board-updated");
  var jsonUrl = board.dataset.jsonUrl;
  var streamUrl = board.dataset.streamUrl;
  var pollMs = parseInt(board.dataset.pollMs, 10) || 2000;
  var tag = board.dataset.tag || "";
  var previous = {};  // number -> total shown, to mark the rows that changed
  tbody.querySelectorAll("tr[data-number]").forEach(function (tr) {
    previous[tr.dataset.number] = tr.querySelector(".total").textContent;
  });

  var source = null;
  var pollTimer = null;
  var retryTimer = null;

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function stamp() {
    var now = new Date();
    updated.textContent = " 更新于 " + pad(now.getHours()) + ":" + pad(now.getMinutes()) + ":" + pad(now.getSeconds());
  }
  function state(kind, text) {
    connection.className = "board-connection " + kind;
    connection.textContent = text;
  }
  function cell(row, className, text) {
    var td = document.createElement("td");
    td.className = className;
    td.textContent = text == null ? "" : text;
    row.appendChild(td);
  }

  function render(data) {
    frozenBanner.classList.toggle("d-none", !data.frozen);
    releasedBanner.classList.toggle("d-none", !data.released);
    nameHeader.classList.toggle("d-none", !data.released);
    var fragment = document.createDocumentFragment();
    var shown = {};
    data.rows.forEach(function (r) {
      var tr = document.createElement("tr");
      tr.dataset.number = r.number;
      cell(tr, "rank", r.rank);
      cell(tr, "number", r.number);
      if (data.released) cell(tr, "name", r.name);
      cell(tr, "points practical", r.practical);
      cell(tr, "points theory", r.theory == null ? "—" : r.theory);
      cell(tr, "points total", r.total);
      var key = String(r.number);
      if (key in previous && previous[key] !== r.total) tr.classList.add("changed");
      shown[key] = r.total;
      fragment.appendChild(tr);
    });
    if (!data.rows.length) {
      var empty = document.createElement("tr");
      empty.className = "empty";
      cell(empty, "", "尚无成绩（抽签后参赛选手以参赛号显示）");
      empty.firstChild.colSpan = 6;
      fragment.appendChild(empty);
    }
    previous = shown;
    tbody.replaceChildren(fragment);
    stamp();
  }

  function poll() {
    // The browser's cache revalidates with the board's ETag: an unchanged board costs a 304.
    fetch(jsonUrl, {headers: {"Accept": "application/json"}, credentials: "same-origin", cache: "no-cache"})
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        var etag = (response.headers.get("ETag") || "").replace(/"/g, "");
        if (etag && etag === tag) { stamp(); return null; }
        return response.json().then(function (data) { tag = etag || tag; render(data); });
      })
      .then(function () { if (!source || source.readyState !== EventSource.OPEN) state("polling", "定时刷新（每 " + pollMs / 1000 + " 秒）"); })
      .catch(function () { state("offline", "连接中断，正在重试…"); });
  }
  function startPolling() {
    if (pollTimer) return;
    poll();
    pollTimer = setInterval(poll, pollMs);
  }
  function stopPolling() {
    if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
  }

  function connect() {
    if (!window.EventSource) { startPolling(); return; }
    retryTimer = null;
    source = new EventSource(streamUrl);
    source.onopen = function () { stopPolling(); state("live", "实时更新"); };
    source.onmessage = function (message) {
      stopPolling();
      state("live", "实时更新");
      tag = message.lastEventId || tag;
      render(JSON.parse(message.data));
    };
    source.addEventListener("gone", function () {
      source.close();
      stopPolling();
      state("offline", "该竞赛项目已不存在");
    });
    source.onerror = function () {
      // A stream the server ended is reopened by the browser; until it is, poll.
      startPolling();
      if (source.readyState === EventSource.CLOSED && !retryTimer) {
        // Refused (full, rate-limited, logged out): keep polling, try streaming later.
        retryTimer = setTimeout(connect, 30000);
      }
    };
  }

  connect();
})();
