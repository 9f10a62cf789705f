/* A judge's scoring page: the queue of numbers and each number's sheet (judging_views.event).
 *
 * Plain JavaScript, no libraries, no inline scripts (CSP): the page hands its data in
 * data-* attributes of #judge-app. Every confirmed mark gets an idempotency key made on this
 * phone and goes into an outbox in localStorage first; the outbox is sent one mark at a time,
 * again whenever the network comes back, until the server answers. The server keeps one entry
 * per key, so a mark whose answer was lost and is sent again is still recorded exactly once.
 *
 * A mark the server refuses (403, 409, 422) will never be taken: it leaves the outbox and the
 * judge sees why, in Chinese. Lost network, 5xx or an expired login keep it waiting.
 */
(function () {
  "use strict";

  var app = document.getElementById("judge-app");
  if (!app) return;

  var cfg = {
    api: app.dataset.api,
    eventId: app.dataset.eventId,
    open: app.dataset.open === "1",
    loginUrl: app.dataset.loginUrl,
    csrf: (document.querySelector('meta[name="csrf-token"]') || {}).content || "",
    outboxKey: "wuye-judge-outbox-" + app.dataset.userId + "-" + app.dataset.eventId,
  };
  var sheet = JSON.parse(app.dataset.sheet);
  var itemsById = {};
  sheet.items.forEach(function (item) { itemsById[item.id] = item; });

  var S = {
    queue: sheet.queue,            // [{number, item_id, scored, rescore}]
    mine: sheet.mine,              // {"number:item": {points, history}}
    outbox: loadOutbox(),          // [{key, number, item_id, points, reason, at}]
    sending: false,
    number: null,                  // the sheet shown
    filter: "all",
    drafts: {},                    // item id -> {points, reason, editing}
    storageFailed: false,
  };

  var el = {
    pending: document.getElementById("judge-pending"),
    net: document.getElementById("judge-net"),
    messages: document.getElementById("judge-messages"),
    queue: document.getElementById("judge-queue"),
    numbers: document.getElementById("judge-numbers"),
    progress: document.getElementById("judge-progress"),
    sheet: document.getElementById("judge-sheet"),
    sheetTitle: document.getElementById("judge-sheet-title"),
    items: document.getElementById("judge-items"),
    submit: document.getElementById("judge-submit"),
    confirm: document.getElementById("judge-confirm"),
    confirmList: document.getElementById("judge-confirm-list"),
    confirmSend: document.getElementById("judge-confirm-send"),
    confirmCancel: document.getElementById("judge-confirm-cancel"),
  };

  // -- Small helpers -------------------------------------------------------------------------

  function h(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else if (name === "dataset") Object.keys(value).forEach(function (k) { node.dataset[k] = value[k]; });
      else node.setAttribute(name, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function pairKey(number, itemId) { return number + ":" + itemId; }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // Points are handled as integer centipoints, never as floats.
  function toCenti(text) {
    var match = /^\s*(\d{1,7})(?:\.(\d{1,2}))?\s*$/.exec(String(text));
    if (!match) return null;
    var cents = (match[2] || "").padEnd(2, "0");
    return parseInt(match[1], 10) * 100 + parseInt(cents, 10);
  }

  function fromCenti(centi) {
    var whole = Math.floor(centi / 100), cents = centi % 100;
    return whole + "." + (cents < 10 ? "0" : "") + cents;
  }

  // -- The outbox ----------------------------------------------------------------------------

  function loadOutbox() {
    try {
      var raw = window.localStorage.getItem(cfg.outboxKey);
      var list = raw ? JSON.parse(raw) : [];
      return Array.isArray(list) ? list : [];
    } catch (e) {
      return [];
    }
  }

  function saveOutbox() {
    try {
      if (S.outbox.length) window.localStorage.setItem(cfg.outboxKey, JSON.stringify(S.outbox));
      else window.localStorage.removeItem(cfg.outboxKey);
      S.storageFailed = false;
    } catch (e) {
      S.storageFailed = true; // private mode or full: marks still wait in this page
    }
  }

  function pendingFor(number, itemId) {
    return S.outbox.filter(function (m) { return m.number === number && m.item_id === itemId; });
  }

  function enqueue(marks) {
    marks.forEach(function (mark) { S.outbox.push(mark); });
    saveOutbox();
    renderAll();
    flush();
  }

  function removeFromOutbox(key) {
    S.outbox = S.outbox.filter(function (m) { return m.key !== key; });
    saveOutbox();
  }

  function flush() {
    if (S.sending || !S.outbox.length) return;
    S.sending = true;
    var mark = S.outbox[0];
    send(mark).then(function (outcome) {
      S.sending = false;
      if (outcome === "sent" || outcome === "refused") {
        renderAll();
        flush();
      } else {
        renderAll();
      }
    });
  }

  function send(mark) {
    var body = { number: mark.number, item_id: mark.item_id, points: mark.points, key: mark.key };
    if (mark.reason) body.reason = mark.reason;
    return fetch(cfg.api + "/competition-events/" + cfg.eventId + "/scores", {
      method: "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": cfg.csrf, Accept: "application/json" },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok) {
          accepted(mark, data);
          setNet("online");
          return "sent";
        }
        if (response.status === 401 || (response.status === 400 && isCsrf(data))) {
          setNet("login");
          return "wait";
        }
        if (response.status === 403 || response.status === 404 || response.status === 409 || response.status === 422) {
          refused(mark, response.status, data);
          setNet("online");
          return "refused";
        }
        setNet("server");
        return "wait"; // 5xx, 429, 503: try again later
      });
    }, function () {
      setNet("offline");
      return "wait";
    });
  }

  function isCsrf(data) { return data && data.error && data.error.code === "csrf_failed"; }

  function accepted(mark, data) {
    removeFromOutbox(mark.key);
    var key = pairKey(mark.number, mark.item_id);
    var own = S.mine[key] || { history: [] };
    if (!data.replayed || !own.history.some(function (e) { return e.key === mark.key; })) {
      own.history.push({ points: data.points, reason: data.reason || "", at: "刚才", key: mark.key });
    }
    own.points = data.points;
    S.mine[key] = own;
    S.queue.forEach(function (q) {
      if (q.number === mark.number && q.item_id === mark.item_id) { q.scored = true; q.rescore = false; }
    });
    var item = itemsById[mark.item_id];
    say("success", mark.number + " 号 " + item.code + "：" + data.points + " 分已发送。");
  }

  var STATUS_HINTS = {
    403: "评分被拒绝",
    404: "本项目已不在您的评分范围内",
    409: "评分未被接受",
    422: "评分有误，未被接受",
  };

  function refused(mark, status, data) {
    removeFromOutbox(mark.key);
    var error = (data && data.error) || {};
    var item = itemsById[mark.item_id];
    var text = (STATUS_HINTS[status] || "评分未被接受") + "（" + mark.number + " 号 " + item.code + " " + mark.points + " 分）：";
    text += error.message || "请刷新页面后重试";
    var details = (error.details || []).map(function (d) { return d.message; }).filter(function (m) {
      return m && m !== error.message;
    });
    if (details.length) text += "（" + details.join("；") + "）";
    if (status === 409 && error.code === "signed_off") cfg.open = false;
    say("danger", text);
  }

  // -- Messages and the network --------------------------------------------------------------

  function say(kind, text) {
    var box = h("div", { class: "alert alert-" + kind + " alert-dismissible judge-message", role: kind === "danger" ? "alert" : "status" }, [
      text,
      h("button", { type: "button", class: "btn-close", "data-bs-dismiss": "alert", "aria-label": "关闭" }),
    ]);
    el.messages.prepend(box);
    var boxes = el.messages.querySelectorAll(".judge-message");
    for (var i = 5; i < boxes.length; i++) boxes[i].remove();
    if (kind === "success") setTimeout(function () { box.remove(); }, 4000);
  }

  var netState = navigator.onLine ? "online" : "offline";
  function setNet(state) { netState = state; renderNet(); }

  function renderNet() {
    var n = S.outbox.length;
    el.pending.textContent = "待发送 " + n;
    el.pending.className = "badge judge-pending " + (n ? "text-bg-warning" : "text-bg-light border");
    var text = "";
    if (netState === "offline" || !navigator.onLine) {
      text = n ? "网络已断开：" + n + " 条评分已保存在本机，联网后自动发送" : "网络已断开：评分会先保存在本机";
    } else if (netState === "login") {
      text = "登录已过期：请重新登录，待发送的评分不会丢失";
      el.net.replaceChildren(text + " ", h("a", { href: cfg.loginUrl, text: "去登录" }));
      el.net.className = "judge-net small text-danger";
      return;
    } else if (netState === "server") {
      text = "服务器暂时无法接收，" + n + " 条评分稍后自动重发";
    } else if (n) {
      text = "正在发送…";
    }
    if (S.storageFailed) text += (text ? "；" : "") + "本机无法保存待发送评分，请勿关闭页面";
    el.net.textContent = text;
    el.net.className = "judge-net small " + (netState === "online" && !S.storageFailed ? "text-muted" : "text-danger");
  }

  // -- The queue -----------------------------------------------------------------------------

  function numbers() {
    var seen = [], byNumber = {};
    S.queue.forEach(function (q) {
      if (!byNumber[q.number]) { byNumber[q.number] = []; seen.push(q.number); }
      byNumber[q.number].push(q);
    });
    return seen.map(function (n) {
      var lines = byNumber[n];
      var pending = S.outbox.filter(function (m) { return m.number === n; }).length;
      var done = lines.filter(function (q) { return q.scored; }).length;
      return {
        number: n,
        total: lines.length,
        done: done,
        pending: pending,
        rescore: lines.some(function (q) { return q.rescore; }),
      };
    });
  }

  function renderQueue() {
    var list = numbers();
    var complete = list.filter(function (n) { return n.done === n.total; }).length;
    el.progress.textContent = list.length ? "已评完 " + complete + "/" + list.length : "";
    var shown = list.filter(function (n) {
      if (S.filter === "todo") return n.done < n.total || n.rescore;
      if (S.filter === "done") return n.done === n.total && !n.rescore;
      return true;
    });
    el.numbers.replaceChildren.apply(el.numbers, shown.map(function (n) {
      var state, label;
      if (n.pending) { state = "is-pending"; label = "待发送"; }
      else if (n.rescore) { state = "is-rescore"; label = "待复评"; }
      else if (n.done === n.total) { state = "is-done"; label = "已评"; }
      else if (n.done) { state = "is-partial"; label = "已评 " + n.done + "/" + n.total; }
      else { state = "is-todo"; label = "未评"; }
      return h("button", {
        type: "button",
        class: "judge-number " + state,
        dataset: { number: String(n.number) },
        "aria-label": n.number + " 号，" + label,
      }, [h("span", { class: "judge-number-n", text: String(n.number) }), h("span", { class: "judge-number-state", text: label })]);
    }));
    if (!list.length) {
      el.numbers.replaceChildren(h("p", { class: "text-muted", text: "暂无需要您评分的选手号（抽签后显示；与您须回避的选手不会出现）。" }));
    }
  }

  // -- One number's sheet --------------------------------------------------------------------

  function openSheet(number) {
    S.number = number;
    S.drafts = {};
    el.queue.hidden = true;
    el.sheet.hidden = false;
    el.sheetTitle.textContent = number + " 号选手";
    renderSheet();
    window.scrollTo(0, 0);
    if (window.location.hash !== "#n" + number) window.history.pushState(null, "", "#n" + number);
  }

  function closeSheet(fromHistory) {
    S.number = null;
    el.sheet.hidden = true;
    el.queue.hidden = false;
    renderQueue();
    if (!fromHistory && window.location.hash) window.history.pushState(null, "", window.location.pathname);
  }

  function lineOf(number, itemId) {
    for (var i = 0; i < S.queue.length; i++) {
      if (S.queue[i].number === number && S.queue[i].item_id === itemId) return S.queue[i];
    }
    return null;
  }

  function renderSheet() {
    var number = S.number;
    var lines = S.queue.filter(function (q) { return q.number === number; });
    // Redrawn when a mark is answered: the field being typed in keeps the focus and caret.
    var active = document.activeElement, focusId = active && el.items.contains(active) ? active.id : null;
    var caret = focusId && typeof active.selectionStart === "number" ? active.selectionStart : null;
    el.items.replaceChildren.apply(el.items, lines.map(function (line) { return itemCard(number, itemsById[line.item_id], line); }));
    if (focusId) {
      var again = document.getElementById(focusId);
      if (again) {
        again.focus();
        if (caret !== null && again.setSelectionRange) again.setSelectionRange(caret, caret);
      }
    }
    updateSubmit();
  }

  function itemCard(number, item, line) {
    var own = S.mine[pairKey(number, item.id)];
    var waiting = pendingFor(number, item.id);
    var draft = S.drafts[item.id] || (S.drafts[item.id] = { points: null, reason: "", editing: false });
    var marked = !!own || waiting.length > 0;
    var card = h("div", { class: "card judge-item mb-3", dataset: { itemId: String(item.id) } });
    var body = h("div", { class: "card-body" });
    card.appendChild(body);
    body.appendChild(h("div", { class: "d-flex justify-content-between align-items-start gap-2" }, [
      h("h3", { class: "h6 mb-1", text: item.code + " " + item.title }),
      h("span", { class: "badge text-bg-light border flex-shrink-0", text: item.kind === "measurement" ? "测量" : "评价" }),
    ]));
    body.appendChild(h("div", { class: "small text-muted mb-2", text: "满分 " + item.max + " 分" + (item.station ? " · " + item.station : "") }));

    if (line.rescore) body.appendChild(h("div", { class: "alert alert-warning py-2 mb-2", text: "裁判长要求复评：请重新评分。" }));
    if (own) {
      body.appendChild(h("div", { class: "judge-current mb-2" }, [
        "我的评分：", h("strong", { class: "judge-current-points", text: own.points + " 分" }),
        own.history.length > 1 ? h("span", { class: "small text-muted", text: "（已修改 " + (own.history.length - 1) + " 次）" }) : null,
      ]));
      if (own.history.length > 1) {
        body.appendChild(h("ol", { class: "small text-muted judge-history mb-2" }, own.history.map(function (e) {
          return h("li", { text: e.points + " 分" + (e.at ? "，" + e.at : "") + (e.reason ? "，理由：" + e.reason : "") });
        })));
      }
    }
    waiting.forEach(function (m) {
      body.appendChild(h("div", { class: "judge-waiting mb-2", text: "待发送：" + m.points + " 分" + (m.reason ? "（理由：" + m.reason + "）" : "") }));
    });

    if (!cfg.open) return card;
    if (waiting.length) return card; // one mark at a time: the one waiting goes first
    if (marked && !draft.editing && !line.rescore) {
      body.appendChild(h("button", { type: "button", class: "btn btn-outline-secondary judge-touch judge-edit", dataset: { itemId: String(item.id) }, text: "修改评分" }));
      return card;
    }
    body.appendChild(item.kind === "measurement" ? measurementControls(item, draft) : judgementControls(item, draft));
    if (marked && !line.rescore) {
      var id = "judge-reason-" + item.id;
      body.appendChild(h("div", { class: "mt-2" }, [
        h("label", { class: "form-label small mb-1", for: id, text: "修改理由（必填）" }),
        h("input", { type: "text", class: "form-control judge-reason", id: id, maxlength: "200", value: draft.reason, dataset: { itemId: String(item.id) } }),
      ]));
    }
    body.appendChild(h("div", { class: "judge-chosen mt-2", text: draft.points === null ? "未选择" : "本次评分：" + draft.points + " 分" }));
    return card;
  }

  function measurementControls(item, draft) {
    var maxCenti = toCenti(item.max);
    var full = draft.points !== null && toCenti(draft.points) === maxCenti && !draft.deduction;
    var id = "judge-deduct-" + item.id;
    return h("div", { class: "judge-controls" }, [
      h("button", { type: "button", class: "btn judge-touch judge-full " + (full ? "btn-success" : "btn-outline-success"), dataset: { itemId: String(item.id), action: "full" }, "aria-pressed": full ? "true" : "false", text: "满分 " + item.max }),
      h("div", { class: "judge-deduct" }, [
        h("label", { class: "form-label small mb-1", for: id, text: "或扣分（分）" }),
        h("input", { type: "text", inputmode: "decimal", class: "form-control form-control-lg judge-deduction", id: id, autocomplete: "off", placeholder: "如 1.5", value: draft.deduction || "", dataset: { itemId: String(item.id) } }),
      ]),
    ]);
  }

  function judgementControls(item, draft) {
    var id = "judge-points-" + item.id;
    return h("div", { class: "judge-controls" }, [
      h("div", { class: "judge-grades", role: "group", "aria-label": "评价档次" }, item.grades.map(function (g) {
        var on = draft.grade === g.grade;
        return h("button", {
          type: "button",
          class: "btn judge-touch judge-grade " + (on ? "btn-primary" : "btn-outline-primary"),
          dataset: { itemId: String(item.id), grade: String(g.grade) },
          "aria-pressed": on ? "true" : "false",
        }, [h("span", { class: "judge-grade-n", text: g.grade + " 档" }), h("span", { class: "judge-grade-p", text: g.points + " 分" })]);
      })),
      h("div", { class: "judge-deduct" }, [
        h("label", { class: "form-label small mb-1", for: id, text: "或直接填分数" }),
        h("input", { type: "text", inputmode: "decimal", class: "form-control form-control-lg judge-points", id: id, autocomplete: "off", placeholder: "0 至 " + item.max, value: draft.typed || "", dataset: { itemId: String(item.id) } }),
      ]),
    ]);
  }

  function setChosen(itemId, points) {
    var draft = S.drafts[itemId];
    draft.points = points;
    var card = el.items.querySelector('.judge-item[data-item-id="' + itemId + '"]');
    var chosen = card && card.querySelector(".judge-chosen");
    if (chosen) chosen.textContent = points === null ? "未选择" : "本次评分：" + points + " 分";
    if (chosen) chosen.classList.toggle("text-danger", draft.problem ? true : false);
    if (chosen && draft.problem) chosen.textContent = draft.problem;
    updateSubmit();
  }

  function chosenMarks() {
    var marks = [], problems = [];
    Object.keys(S.drafts).forEach(function (id) {
      var draft = S.drafts[id], item = itemsById[id];
      if (draft.problem) problems.push(item.code + "：" + draft.problem);
      if (draft.points === null || draft.problem) return;
      var line = lineOf(S.number, item.id);
      var correcting = !!S.mine[pairKey(S.number, item.id)] && !(line && line.rescore);
      if (correcting && !draft.reason.trim()) problems.push(item.code + "：修改评分须填写理由");
      marks.push({ item: item, points: draft.points, reason: correcting ? draft.reason.trim() : "" });
    });
    return { marks: marks, problems: problems };
  }

  function updateSubmit() {
    var chosen = chosenMarks();
    el.submit.hidden = !cfg.open;
    el.submit.disabled = chosen.marks.length === 0;
    el.submit.textContent = chosen.marks.length ? "提交评分（" + chosen.marks.length + " 项）" : "提交评分";
  }

  // -- Confirmation and sending --------------------------------------------------------------

  var confirming = null;

  function askToConfirm() {
    var chosen = chosenMarks();
    if (chosen.problems.length) { say("warning", chosen.problems.join("；")); return; }
    if (!chosen.marks.length) return;
    confirming = { number: S.number, marks: chosen.marks };
    el.confirmList.replaceChildren.apply(el.confirmList, [h("li", { class: "fw-bold mb-1", text: S.number + " 号选手" })].concat(
      chosen.marks.map(function (m) {
        return h("li", { class: "judge-confirm-line" }, [
          h("span", { text: m.item.code + " " + m.item.title }),
          h("strong", { text: m.points + " 分" }),
          m.reason ? h("div", { class: "small text-muted w-100", text: "修改理由：" + m.reason }) : null,
        ]);
      })
    ));
    el.confirmSend.disabled = false;
    el.confirm.hidden = false;
    el.confirmSend.focus();
  }

  function confirmSend() {
    if (!confirming) return;
    el.confirmSend.disabled = true; // a second tap sends nothing more
    var batch = confirming;
    confirming = null;
    var now = new Date().toISOString();
    enqueue(batch.marks.map(function (m) {
      return { key: newKey(), number: batch.number, item_id: m.item.id, points: m.points, reason: m.reason, at: now };
    }));
    el.confirm.hidden = true;
    S.drafts = {};
    if (S.number === batch.number) renderSheet();
  }

  function cancelConfirm() {
    confirming = null;
    el.confirm.hidden = true;
  }

  // -- Wiring --------------------------------------------------------------------------------

  function renderAll() {
    renderNet();
    if (S.number === null) renderQueue();
    else renderSheet();
  }

  el.numbers.addEventListener("click", function (event) {
    var button = event.target.closest(".judge-number");
    if (button) openSheet(parseInt(button.dataset.number, 10));
  });

  document.querySelector(".judge-filter").addEventListener("click", function (event) {
    var button = event.target.closest("[data-filter]");
    if (!button) return;
    S.filter = button.dataset.filter;
    this.querySelectorAll("[data-filter]").forEach(function (b) { b.classList.toggle("active", b === button); });
    renderQueue();
  });

  document.getElementById("judge-back").addEventListener("click", function () { closeSheet(false); });
  window.addEventListener("popstate", function () {
    var match = /^#n(\d+)$/.exec(window.location.hash);
    if (match) openSheet(parseInt(match[1], 10));
    else if (S.number !== null) closeSheet(true);
  });

  el.items.addEventListener("click", function (event) {
    var target = event.target.closest("button");
    if (!target || !target.dataset.itemId) return;
    var itemId = target.dataset.itemId, item = itemsById[itemId];
    var draft = S.drafts[itemId];
    if (target.classList.contains("judge-edit")) {
      draft.editing = true;
      renderSheet();
      return;
    }
    if (target.dataset.action === "full") {
      draft.deduction = "";
      draft.problem = null;
      setChosen(itemId, item.max);
      renderSheet();
    } else if (target.dataset.grade !== undefined) {
      draft.grade = parseInt(target.dataset.grade, 10);
      draft.typed = "";
      draft.problem = null;
      var grade = item.grades[draft.grade];
      setChosen(itemId, grade.points);
      renderSheet();
    }
  });

  el.items.addEventListener("input", function (event) {
    var input = event.target, itemId = input.dataset.itemId;
    if (!itemId) return;
    var item = itemsById[itemId], draft = S.drafts[itemId];
    var maxCenti = toCenti(item.max);
    if (input.classList.contains("judge-reason")) {
      draft.reason = input.value;
      updateSubmit();
      return;
    }
    var text = input.value.trim();
    if (input.classList.contains("judge-deduction")) {
      draft.deduction = input.value;
      draft.problem = null;
      if (!text) { setChosen(itemId, null); return; }
      var cut = toCenti(text);
      if (cut === null) { draft.problem = "扣分应为数字，最多两位小数"; setChosen(itemId, null); return; }
      if (cut > maxCenti) { draft.problem = "扣分不能超过满分 " + item.max; setChosen(itemId, null); return; }
      setChosen(itemId, fromCenti(maxCenti - cut));
      var full = input.closest(".judge-controls").querySelector(".judge-full");
      full.classList.replace("btn-success", "btn-outline-success");
      full.setAttribute("aria-pressed", "false");
    } else if (input.classList.contains("judge-points")) {
      draft.typed = input.value;
      draft.grade = null;
      draft.problem = null;
      input.closest(".judge-controls").querySelectorAll(".judge-grade").forEach(function (b) {
        b.classList.replace("btn-primary", "btn-outline-primary");
        b.setAttribute("aria-pressed", "false");
      });
      if (!text) { setChosen(itemId, null); return; }
      var centi = toCenti(text);
      if (centi === null) { draft.problem = "分数应为数字，最多两位小数"; setChosen(itemId, null); return; }
      if (centi > maxCenti) { draft.problem = "分数不能超过满分 " + item.max; setChosen(itemId, null); return; }
      setChosen(itemId, fromCenti(centi));
    }
  });

  el.submit.addEventListener("click", askToConfirm);
  el.confirmSend.addEventListener("click", confirmSend);
  el.confirmCancel.addEventListener("click", cancelConfirm);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !el.confirm.hidden) cancelConfirm();
  });

  window.addEventListener("online", function () { setNet("online"); flush(); });
  window.addEventListener("offline", function () { setNet("offline"); });
  // Retry on a timer too: "online" does not fire when Wi-Fi stays up but the server was away.
  setInterval(function () { if (S.outbox.length && navigator.onLine) flush(); }, 5000);
  // Another tab of the same judge may have sent (or queued) marks.
  window.addEventListener("storage", function (event) {
    if (event.key === cfg.outboxKey) { S.outbox = loadOutbox(); renderAll(); }
  });

  // A periodic look at the queue: re-score requests from the chief judge, a sign-off.
  function refreshQueue() {
    if (!navigator.onLine || S.sending) return;
    fetch(cfg.api + "/competition-events/" + cfg.eventId + "/queue", {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      if (!response.ok) return null;
      return response.json();
    }).then(function (data) {
      if (!data || !data.items) return;
      S.queue = data.items;
      if (S.number === null) renderQueue();
    }, function () { /* offline: the next look will do */ });
  }
  setInterval(refreshQueue, 30000);

  var start = /^#n(\d+)$/.exec(window.location.hash);
  renderAll();
  if (start) openSheet(parseInt(start[1], 10));
  flush();
})();
