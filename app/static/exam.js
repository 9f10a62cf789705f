/* The candidate's exam page (and the notice of unsent answers on the result page).
 *
 * Plain JavaScript, no libraries. Every change is written to an outbox in localStorage
 * before it is sent, then sent with retries until the server confirms it; the server owns
 * the clock, the page only shows it. Question text is always inserted with textContent.
 */
(function () {
  "use strict";

  var LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  var DEVICE_KEY = "wuye-device";
  var VIEW_KEY = "wuye-exam-view";
  var LARGE_KEY = "wuye-exam-large"; // 大字: remembered across questions and reloads
  var TYPE_LABELS = { single: "单选题", multiple: "多选题", true_false: "判断题", fill: "填空题" };
  var SAVE_TEXT = {
    saving: "保存中…",
    saved: "已保存 ✓",
    offline: "离线，已暂存，联网后自动提交",
    retry: "暂未保存成功，正在重试…",
    dropped: "考试已结束，这次修改未能保存",
    stopped: "此页面已停止保存",
    refused: "答案未被服务器接受",
  };
  var TEXT_DEBOUNCE_MS = 600;
  var REQUEST_TIMEOUT_MS = 20000;
  var MAX_PARALLEL = 4;
  var MAX_BACKOFF_MS = 10000;
  var CLOCK_EVERY_MS = 30000; // an idle page asks for its clock this often (data-sync-seconds)

  // Storage that never throws (private modes, full quota).
  var store = {
    get: function (key) {
      try { return window.localStorage.getItem(key); } catch (e) { return null; }
    },
    set: function (key, value) {
      try { window.localStorage.setItem(key, value); return true; } catch (e) { return false; }
    },
    remove: function (key) {
      try { window.localStorage.removeItem(key); } catch (e) { /* nothing to do */ }
    },
    getJSON: function (key) {
      var raw = store.get(key);
      if (!raw) return null;
      try { return JSON.parse(raw); } catch (e) { return null; }
    },
  };

  function outboxKey(attemptId) { return "wuye-outbox-" + attemptId; }

  function parseTime(iso) {
    // Python writes microseconds; keep milliseconds so that every browser parses it.
    return Date.parse(String(iso).replace(/(\.\d{3})\d+/, "$1"));
  }

  function randomId() {
    var bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(bytes);
    } else {
      for (var i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    }
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function deviceId() {
    var id = store.get(DEVICE_KEY);
    if (!id) {
      id = "web-" + randomId();
      store.set(DEVICE_KEY, id);
    }
    return id;
  }

  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        var value = attrs[name];
        if (value === null || value === undefined || value === false) return;
        if (name === "className") node.className = value;
        else node.setAttribute(name, value === true ? "" : String(value));
      });
    }
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function isAnswered(type, response) {
    if (response === null || response === undefined) return false;
    if (type === "true_false") return typeof response === "boolean";
    if (type === "single") return typeof response === "string" && response !== "";
    if (type === "multiple") return Array.isArray(response) && response.length > 0;
    return Array.isArray(response) && response.some(function (r) { return String(r).trim() !== ""; });
  }

  function formatClock(ms) {
    var total = Math.max(0, Math.ceil(ms / 1000));
    var h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    return (h ? h + ":" : "") + ("0" + m).slice(-2) + ":" + ("0" + s).slice(-2);
  }

  // ---------------------------------------------------------------------------------------
  // The exam page
  // ---------------------------------------------------------------------------------------

  function initExam(root) {
    var csrfMeta = document.querySelector('meta[name="csrf-token"]');
    var cfg = {
      examId: root.dataset.examId,
      api: root.dataset.api || "/api/v1",
      resultUrl: root.dataset.resultUrl,
      imageUrl: root.dataset.imageUrl,
      myExamsUrl: root.dataset.myExamsUrl,
      loginUrl: root.dataset.loginUrl,
      clockEvery: Number(root.dataset.syncSeconds) > 0 ? Number(root.dataset.syncSeconds) * 1000 : CLOCK_EVERY_MS,
      csrf: csrfMeta ? csrfMeta.getAttribute("content") : "",
      device: deviceId(),
    };
    var $ = function (id) { return document.getElementById(id); };
    var ui = {
      intro: $("exam-intro"), loading: $("exam-loading"), error: $("exam-error"),
      paper: $("exam-paper"), questions: $("exam-questions"), clock: $("exam-clock"),
      timer: $("exam-timer"), progress: $("exam-progress"), net: $("exam-net"),
      leaves: $("exam-leaves"), leaveWarning: $("exam-leave-warning"), navGrid: $("exam-nav-grid"),
      notice: $("exam-notice"),
      nav: $("exam-nav"), prev: $("exam-prev"), next: $("exam-next"), pager: $("exam-pager"),
      submit: $("exam-submit"), showNav: $("exam-show-nav"), modal: $("exam-submit-modal"),
      submitSummary: $("exam-submit-summary"), submitProblem: $("exam-submit-problem"),
      submitConfirm: $("exam-submit-confirm"), blocker: $("exam-blocker"),
      blockerTitle: $("exam-blocker-title"), blockerText: $("exam-blocker-text"),
      blockerActions: $("exam-blocker-actions"), live: $("exam-live"),
    };

    var S = {
      attempt: null,
      questions: [],
      byId: {},
      answers: {}, // qid -> response
      seqs: {}, // qid -> the highest seq used or known for the question
      flagged: {}, // qid -> true
      outbox: { answers: {}, flags: {} },
      inflight: {}, // "a:qid" / "f:qid" -> true
      debounce: {}, // qid -> timer
      save: {}, // qid -> save state
      offset: 0, // server time − device time, ms
      deadline: 0, // ms, server clock
      grace: 5000,
      current: 0,
      view: "single",
      stopped: false, // taken over, closed, signed out: nothing more is sent
      ending: false, // time is up: no more input, finishing
      offline: !navigator.onLine,
      failures: 0,
      nextTry: 0,
      leaveCount: 0,
      leaveLimit: null,
      lastEventWasLeave: false,
      lastMinute: null,
      leavingPage: false,
      storageFailed: false,
      modal: null,
      clockAsked: false, // a clock request is under way
      large: store.get(LARGE_KEY) === "1",
    };

    // 读题: the question read aloud by the device's speech synthesis, in a Chinese voice. The
    // button shows only where the device has one (voices may arrive after the page loads).
    var speech = { voice: null, ready: false, qid: null, utterance: null };

    // -- HTTP ------------------------------------------------------------------------------

    function NetworkError(message) { this.message = message; }

    function api(method, path, body, options) {
      options = options || {};
      var controller = window.AbortController ? new AbortController() : null;
      var timer = controller ? setTimeout(function () { controller.abort(); }, options.timeout || REQUEST_TIMEOUT_MS) : null;
      var init = {
        method: method,
        credentials: "same-origin",
        cache: "no-store",
        headers: {
          Accept: "application/json",
          "X-CSRFToken": cfg.csrf,
          "X-Device-Id": cfg.device,
        },
        keepalive: !!options.keepalive,
      };
      if (controller) init.signal = controller.signal;
      if (body !== undefined) {
        init.headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(body);
      }
      return fetch(cfg.api + path, init).then(function (response) {
        if (timer) clearTimeout(timer);
        var type = response.headers.get("Content-Type") || "";
        var parse = type.indexOf("json") >= 0 ? response.json().catch(function () { return null; }) : Promise.resolve(null);
        return parse.then(function (data) {
          var code = data && data.error ? data.error.code : null;
          var message = data && data.error ? data.error.message : null;
          return { status: response.status, data: data, code: code, message: message };
        });
      }, function (error) {
        if (timer) clearTimeout(timer);
        throw new NetworkError(String(error && error.message || error));
      });
    }

    function serverNow() { return Date.now() + S.offset; }

    // -- Start or resume -------------------------------------------------------------------

    function showError(message, withBack) {
      ui.loading.hidden = true;
      ui.error.hidden = false;
      ui.error.textContent = message;
      if (withBack) {
        ui.error.appendChild(document.createElement("br"));
        ui.error.appendChild(el("a", { href: cfg.myExamsUrl, className: "alert-link" }, "返回我的考试"));
      }
    }

    async function start() {
      var startButton = $("exam-start");
      if (startButton) startButton.disabled = true;
      ui.error.hidden = true;
      ui.loading.hidden = false;
      ui.loading.textContent = "正在连接服务器…";
      var delay = 1000;
      for (;;) {
        var t0 = Date.now();
        try {
          var r = await api("POST", "/exams/" + cfg.examId + "/attempts");
          var t1 = Date.now();
          if (r.status === 200 || r.status === 201) {
            setup(r.data, t0, t1);
            if (r.status === 201 && root.dataset.resume === "1" && r.data.number > 1) {
              // The attempt being resumed ran out meanwhile and was submitted by the server.
              ui.leaveWarning.hidden = false;
              ui.leaveWarning.textContent = "上一次作答已到时自动交卷，现在开始的是第 " + r.data.number + " 次作答。";
            }
            return;
          }
          if (r.status === 401) { signedOut(); return; }
          if (r.status === 400 && r.code === "csrf_failed") { pageExpired(); return; }
          if (r.status >= 500 || r.status === 429) throw new NetworkError("server " + r.status);
          showError(r.message || "无法开始考试（错误 " + r.status + "）", true);
          if (startButton) startButton.disabled = false;
          return;
        } catch (error) {
          if (!(error instanceof NetworkError)) throw error;
          ui.loading.textContent = "网络不通，正在重试连接服务器…（请检查手机网络）";
          await sleep(delay);
          delay = Math.min(delay * 2, MAX_BACKOFF_MS);
        }
      }
    }

    function setup(body, t0, t1) {
      S.attempt = body;
      root.dataset.attemptId = body.id;
      S.offset = parseTime(body.server_time) - (t0 + t1) / 2;
      S.deadline = parseTime(body.deadline);
      S.grace = (body.grace_seconds || 0) * 1000;
      if (body.status !== "in_progress") { goToResult(); return; }
      S.questions = body.questions;
      S.questions.forEach(function (q) { S.byId[String(q.id)] = q; });
      Object.keys(body.answers || {}).forEach(function (qid) { S.answers[qid] = body.answers[qid]; });
      Object.keys(body.seqs || {}).forEach(function (qid) { S.seqs[qid] = Number(body.seqs[qid]) || 0; });
      (body.flagged || []).forEach(function (qid) { S.flagged[String(qid)] = true; });
      S.leaveCount = body.leave_count || 0;
      S.leaveLimit = body.exam && body.exam.leave_limit !== undefined ? body.exam.leave_limit : null;
      S.questions.forEach(function (q) {
        var qid = String(q.id);
        if (isAnswered(q.type, S.answers[qid])) S.save[qid] = "saved";
      });
      restoreOutbox();
      var savedView = store.get(VIEW_KEY);
      S.view = savedView === "all" || savedView === "single" ? savedView
        : (window.matchMedia && window.matchMedia("(min-width: 992px)").matches ? "all" : "single");
      var savedCurrent = Number(sessionStorageGet("wuye-exam-current-" + body.id));
      S.current = savedCurrent >= 0 && savedCurrent < S.questions.length ? savedCurrent : 0;

      ui.intro.hidden = true;
      ui.loading.hidden = true;
      ui.error.hidden = true;
      ui.paper.hidden = false;
      watchVoices();
      applyLarge();
      renderAll();
      bindPaper();
      tick();
      setInterval(tick, 500);
      setInterval(askClockWhenIdle, cfg.clockEvery);
      pump();
    }

    function sessionStorageGet(key) {
      try { return window.sessionStorage.getItem(key); } catch (e) { return null; }
    }
    function sessionStorageSet(key, value) {
      try { window.sessionStorage.setItem(key, value); } catch (e) { /* ignore */ }
    }

    // -- The outbox ------------------------------------------------------------------------

    function restoreOutbox() {
      var saved = store.getJSON(outboxKey(S.attempt.id)) || {};
      var answers = saved.answers || {}, flags = saved.flags || {};
      Object.keys(answers).forEach(function (qid) {
        var entry = answers[qid];
        if (!S.byId[qid] || !entry || typeof entry.seq !== "number") return;
        if (entry.seq > (S.seqs[qid] || 0)) {
          // Not yet confirmed by the server: the candidate's latest word wins.
          S.answers[qid] = entry.response;
          S.seqs[qid] = entry.seq;
          S.outbox.answers[qid] = { response: entry.response, seq: entry.seq };
          S.save[qid] = "saving";
        }
      });
      Object.keys(flags).forEach(function (qid) {
        if (!S.byId[qid]) return;
        S.outbox.flags[qid] = !!flags[qid];
        if (flags[qid]) S.flagged[qid] = true; else delete S.flagged[qid];
      });
      persistOutbox();
    }

    function persistOutbox() {
      if (!S.attempt) return;
      var empty = !Object.keys(S.outbox.answers).length && !Object.keys(S.outbox.flags).length;
      if (empty) store.remove(outboxKey(S.attempt.id));
      else S.storageFailed = !store.set(outboxKey(S.attempt.id), JSON.stringify(S.outbox));
    }

    function pendingAnswers() { return Object.keys(S.outbox.answers); }
    function pendingCount() { return pendingAnswers().length + Object.keys(S.outbox.flags).length; }

    function change(qid, response, debounced) {
      if (S.stopped || S.ending) return;
      var q = S.byId[qid];
      if (!isAnswered(q.type, response)) response = null;
      S.answers[qid] = response;
      S.seqs[qid] = (S.seqs[qid] || 0) + 1;
      S.outbox.answers[qid] = { response: response, seq: S.seqs[qid] };
      persistOutbox(); // before anything is sent
      setSave(qid, S.offline ? "offline" : "saving");
      updateNav();
      updateNet();
      clearTimeout(S.debounce[qid]);
      if (debounced) {
        S.debounce[qid] = setTimeout(function () { delete S.debounce[qid]; pump(); }, TEXT_DEBOUNCE_MS);
      } else {
        delete S.debounce[qid];
        pump();
      }
    }

    function flushNow(keepalive) {
      Object.keys(S.debounce).forEach(function (qid) { clearTimeout(S.debounce[qid]); delete S.debounce[qid]; });
      S.nextTry = 0;
      pump(keepalive);
    }

    // Send whatever is due, a few at a time, one request per question at a time.
    function pump(keepalive) {
      if (S.stopped || !S.attempt) return;
      if (Date.now() < S.nextTry) return;
      var busy = Object.keys(S.inflight).length;
      var ids = pendingAnswers();
      for (var i = 0; i < ids.length && busy < MAX_PARALLEL; i++) {
        var qid = ids[i];
        if (S.inflight["a:" + qid] || S.debounce[qid]) continue;
        sendAnswer(qid, keepalive);
        busy++;
      }
      Object.keys(S.outbox.flags).forEach(function (qid) {
        if (busy >= MAX_PARALLEL || S.inflight["f:" + qid]) return;
        sendFlag(qid, keepalive);
        busy++;
      });
      updateNet();
    }

    function succeeded() {
      S.failures = 0;
      S.nextTry = 0;
      if (S.offline) { S.offline = false; markOfflineSaves(); }
    }

    function failed(isNetwork) {
      S.failures++;
      var delay = Math.min(1000 * Math.pow(2, S.failures - 1), MAX_BACKOFF_MS);
      S.nextTry = Date.now() + delay * (0.8 + Math.random() * 0.4);
      if (isNetwork) S.offline = true;
      markOfflineSaves();
    }

    function markOfflineSaves() {
      pendingAnswers().forEach(function (qid) {
        if (!S.inflight["a:" + qid]) setSave(qid, S.offline ? "offline" : (S.failures ? "retry" : "saving"));
      });
      updateNet();
    }

    async function sendAnswer(qid, keepalive) {
      var entry = S.outbox.answers[qid];
      var key = "a:" + qid;
      S.inflight[key] = true;
      if (!S.offline) setSave(qid, "saving");
      try {
        var t0 = Date.now();
        var r = await api("PUT", "/attempts/" + S.attempt.id + "/answers/" + qid,
          { response: entry.response, seq: entry.seq }, { keepalive: keepalive });
        var t1 = Date.now();
        delete S.inflight[key];
        if (r.status === 200) {
          succeeded();
          var stored = r.data || {};
          syncClock(stored, t0, t1);
          var current = S.outbox.answers[qid];
          if (current && stored.seq >= current.seq) {
            delete S.outbox.answers[qid];
            persistOutbox();
          }
          if (stored.seq > (S.seqs[qid] || 0)) {
            // The server holds a newer answer (another tab of this device): show it.
            S.seqs[qid] = stored.seq;
            S.answers[qid] = stored.response;
            fillQuestion(qid);
          }
          setSave(qid, S.outbox.answers[qid] ? "saving" : "saved");
        } else {
          refused(r, "a", qid);
        }
      } catch (error) {
        delete S.inflight[key];
        if (!(error instanceof NetworkError)) throw error;
        failed(true);
      }
      updateNav();
      if (!S.stopped && pendingCount()) setTimeout(pump, 0);
      else updateNet();
    }

    async function sendFlag(qid, keepalive) {
      var value = S.outbox.flags[qid];
      var key = "f:" + qid;
      S.inflight[key] = true;
      try {
        var r = await api("PUT", "/attempts/" + S.attempt.id + "/flags/" + qid,
          { flagged: value }, { keepalive: keepalive });
        delete S.inflight[key];
        if (r.status === 204 || r.status === 200) {
          succeeded();
          if (S.outbox.flags[qid] === value) { delete S.outbox.flags[qid]; persistOutbox(); }
        } else {
          refused(r, "f", qid);
        }
      } catch (error) {
        delete S.inflight[key];
        if (!(error instanceof NetworkError)) throw error;
        failed(true);
      }
      if (!S.stopped && pendingCount()) setTimeout(pump, 0);
      else updateNet();
    }

    function refused(r, kind, qid) {
      if (r.status === 409 && r.code === "taken_over") { takenOver(); return; }
      if (r.status === 409 && r.code === "attempt_closed") { closed(); return; }
      if (r.status === 401) { signedOut(); return; }
      if (r.status === 400 && r.code === "csrf_failed") { pageExpired(); return; }
      if (r.status >= 500 || r.status === 429 || r.status === 408) {
        failed(false);
        return;
      }
      // 404 / 422: the server will never take this one; keep nothing that would loop.
      if (kind === "a") {
        delete S.outbox.answers[qid];
        setSave(qid, "refused");
      } else if (kind === "f") {
        delete S.outbox.flags[qid];
      }
      persistOutbox();
    }

    // -- Stops -----------------------------------------------------------------------------

    function block(title, text, actions, busy) {
      ui.blockerTitle.textContent = title;
      if (busy) {
        var spinner = el("span", { className: "spinner-border spinner-border-sm me-2", "aria-hidden": "true" });
        ui.blockerTitle.insertBefore(spinner, ui.blockerTitle.firstChild);
      }
      ui.blockerText.textContent = text;
      ui.blockerActions.textContent = "";
      (actions || []).forEach(function (action) {
        var node;
        if (action.href) {
          node = el("a", { href: action.href, className: "btn btn-exam " + (action.cls || "btn-primary") }, action.label);
        } else {
          node = el("button", { type: "button", className: "btn btn-exam " + (action.cls || "btn-primary") }, action.label);
          node.addEventListener("click", action.onClick);
        }
        ui.blockerActions.appendChild(node);
      });
      if (S.modal) S.modal.hide();
      ui.blocker.hidden = false;
      var box = ui.blocker.querySelector(".exam-blocker-box");
      if (box) box.focus();
    }

    function lock() {
      stopReading();
      root.classList.add("exam-locked");
      ui.paper.querySelectorAll("input, textarea, .exam-flag, #exam-submit-confirm").forEach(function (node) {
        node.disabled = true;
      });
      ui.submit.disabled = true;
    }

    function stopAll(state) {
      S.stopped = true;
      Object.keys(S.debounce).forEach(function (qid) { clearTimeout(S.debounce[qid]); });
      S.debounce = {};
      lock();
      pendingAnswers().forEach(function (qid) { setSave(qid, state); });
      updateNet();
    }

    function takenOver() {
      if (S.stopped) return;
      stopAll("stopped");
      block(
        "本场考试已在另一台设备上继续作答，此页面已停止保存",
        "请在正在使用的设备上继续作答。如果要改回在这台设备上作答，请点击下方按钮（另一台设备将停止保存）。",
        [
          { label: "在这台设备上继续作答", onClick: function () { window.location.reload(); } },
          { label: "返回我的考试", href: cfg.myExamsUrl, cls: "btn-outline-secondary" },
        ]
      );
    }

    function signedOut() {
      if (S.attempt) stopAll("offline");
      block(
        "登录已失效，请重新登录",
        "尚未送达的答案仍保存在这台设备上，重新登录并回到本场考试后会自动提交。",
        [{ label: "重新登录", href: cfg.loginUrl }]
      );
    }

    function pageExpired() {
      if (S.attempt) stopAll("offline");
      block(
        "页面已过期，请刷新",
        "尚未送达的答案仍保存在这台设备上，刷新后会自动提交。",
        [{ label: "刷新页面", onClick: function () { window.location.reload(); } }]
      );
    }

    // The attempt is over on the server (submitted, time out, proctor): show the result.
    function closed() {
      if (S.stopped && !S.ending) return;
      S.stopped = true;
      lock();
      block("考试已结束", "正在打开成绩页面…", [], true);
      goToResult();
    }

    async function goToResult() {
      // The result page tells the candidate about any change that never reached the server.
      S.leavingPage = true;
      window.location.replace(cfg.resultUrl.replace("/0/", "/" + S.attempt.id + "/"));
    }

    // -- Time --------------------------------------------------------------------------------

    function tick() {
      if (!S.attempt) return;
      var left = S.deadline - serverNow();
      ui.clock.textContent = formatClock(left);
      ui.timer.classList.toggle("exam-timer--warn", left <= 5 * 60000 && left > 60000);
      ui.timer.classList.toggle("exam-timer--danger", left <= 60000);
      var minutes = Math.ceil(left / 60000);
      if (S.lastMinute !== null && minutes !== S.lastMinute && minutes > 0) {
        if (minutes <= 10 || minutes % 5 === 0) announce("剩余 " + minutes + " 分钟");
      }
      S.lastMinute = minutes;
      if (left <= 0 && !S.ending && !S.stopped) timeUp();
      if (!S.stopped && pendingCount() && Date.now() >= S.nextTry) pump();
    }

    function announce(text) {
      ui.live.textContent = "";
      setTimeout(function () { ui.live.textContent = text; }, 50);
    }

    function timeUp() {
      S.ending = true;
      lock();
      block("已到时，正在交卷…", "请不要关闭页面，正在保存最后的答案并交卷。", [], true);
      announce("考试时间到，正在交卷");
      flushNow();
      finish();
    }

    async function finish() {
      var delay = 1000;
      for (;;) {
        var now = serverNow();
        var graceEnd = S.deadline + S.grace;
        if (pendingCount() && now < graceEnd - 300 && !S.offline) { await sleep(300); continue; }
        if (now < graceEnd + 500) {
          // The server submits only once the grace is over.
          describeEnding();
          await sleep(Math.min(graceEnd + 500 - now, 1000));
          continue;
        }
        try {
          var t0 = Date.now();
          var r = await api("GET", "/attempts/" + S.attempt.id);
          var t1 = Date.now();
          if (r.status === 200) {
            S.offset = parseTime(r.data.server_time) - (t0 + t1) / 2;
            if (r.data.status === "submitted") { S.stopped = true; goToResult(); return; }
            var deadline = parseTime(r.data.deadline);
            if (deadline - serverNow() > 1000) { extended(deadline, deadline - S.deadline); return; }
            await sleep(1000);
            continue;
          }
          if (r.status === 401) { signedOut(); return; }
          throw new NetworkError("status " + r.status);
        } catch (error) {
          if (!(error instanceof NetworkError)) throw error;
          S.offline = true;
          describeEnding();
          await sleep(delay);
          delay = Math.min(delay * 2, MAX_BACKOFF_MS);
        }
      }
    }

    // -- The server's clock reaches the page ---------------------------------------------------
    // Every save answers the attempt's deadline and the server's time, and an idle page asks
    // for them now and then: a proctor's extension shows at once, a closed attempt ends here.

    function syncClock(data, t0, t1) {
      if (!data || !S.attempt || (S.stopped && !S.ending)) return;
      S.clockHeardAt = t1;
      if (data.server_time) {
        // The midpoint of the request is within half its round trip of the server's time:
        // move the clock only when it is off by more than that (no jitter from slow saves).
        var offset = parseTime(data.server_time) - (t0 + t1) / 2;
        if (Math.abs(offset - S.offset) > (t1 - t0) / 2 + 250) S.offset = offset;
      }
      if (data.status && data.status !== "in_progress") { closed(); return; }
      if (!data.deadline) return;
      var deadline = parseTime(data.deadline);
      if (!(deadline > 0) || Math.abs(deadline - S.deadline) < 1000) return;
      var added = deadline - S.deadline;
      if (S.ending) {
        if (deadline - serverNow() > 1000) extended(deadline, added);
        return;
      }
      S.deadline = deadline;
      if (added > 0) tellExtended(added);
      tick();
    }

    // The timer asks only when no save has brought the clock lately (a candidate who is
    // answering costs no extra request); coming back on screen or online always asks.
    function askClockWhenIdle() {
      if (Date.now() - (S.clockHeardAt || 0) >= cfg.clockEvery - 1000) askClock();
    }

    async function askClock() {
      if (!S.attempt || S.stopped || S.ending || S.clockAsked || S.leavingPage) return;
      S.clockAsked = true;
      try {
        var t0 = Date.now();
        var r = await api("GET", "/attempts/" + S.attempt.id + "/clock", undefined, { timeout: 10000 });
        var t1 = Date.now();
        if (r.status === 200) syncClock(r.data, t0, t1);
        else if (r.status === 401) signedOut();
      } catch (error) {
        if (!(error instanceof NetworkError)) throw error; // offline: asked again later
      } finally {
        S.clockAsked = false;
      }
    }

    function tellExtended(added) {
      var minutes = Math.round(added / 60000);
      var text = minutes >= 1
        ? "监考老师已为您延长考试时间 " + minutes + " 分钟，剩余时间已更新。"
        : "考试时间已延长，剩余时间已更新。";
      ui.notice.textContent = text;
      ui.notice.hidden = false;
      announce(text);
    }

    function describeEnding() {
      var pending = pendingAnswers().map(function (qid) { return S.byId[qid].position; }).sort(function (a, b) { return a - b; });
      var text = "请不要关闭页面，正在保存最后的答案并交卷。";
      if (S.offline) {
        text = "网络已断开。考试时间已到，联网后会自动显示成绩。";
        if (pending.length) {
          text += "第 " + pending.join("、") + " 题的最后修改还没有送达服务器，截止后送达的修改不能计入成绩。";
        }
      }
      if (ui.blockerText.textContent !== text) ui.blockerText.textContent = text;
    }

    function extended(deadline, added) {
      S.deadline = deadline;
      S.ending = false;
      root.classList.remove("exam-locked");
      ui.paper.querySelectorAll("input, textarea, .exam-flag, #exam-submit-confirm").forEach(function (node) {
        node.disabled = false;
      });
      ui.submit.disabled = false;
      ui.blocker.hidden = true;
      if (added > 0) tellExtended(added);
      else { ui.notice.hidden = false; ui.notice.textContent = "考试时间已延长，请继续作答。"; announce("考试时间已延长"); }
      tick();
      pump();
    }

    // -- 读题 and 大字 ----------------------------------------------------------------------

    function synth() {
      return window.speechSynthesis && window.SpeechSynthesisUtterance ? window.speechSynthesis : null;
    }

    function watchVoices() {
      var engine = synth();
      if (!engine) return;
      findVoice();
      if (engine.addEventListener) engine.addEventListener("voiceschanged", findVoice);
      else engine.onvoiceschanged = findVoice;
    }

    function findVoice() {
      var engine = synth();
      var voices = [];
      try { voices = (engine && engine.getVoices()) || []; } catch (e) { voices = []; }
      var chinese = Array.prototype.filter.call(voices, function (v) { return /^(zh|cmn)([-_]|$)/i.test(v.lang || ""); });
      var mainland = chinese.filter(function (v) { return /^(zh|cmn)[-_](CN|Hans)/i.test(v.lang); });
      speech.voice = mainland[0] || chinese[0] || null;
      speech.ready = !!speech.voice;
      document.querySelectorAll(".exam-read").forEach(function (button) { button.hidden = !speech.ready; });
      if (!speech.ready) stopReading();
    }

    // What is read: the question's number and kind, its stem and its options as labelled on
    // the page (a blank is read as 横线, not as a row of underscores).
    function spokenText(q) {
      var plain = function (text) {
        return String(text || "").replace(/[_＿]{2,}|（\s*）|\(\s*\)/g, "，横线，").replace(/\s+/g, " ").trim();
      };
      var parts = ["第 " + q.position + " 题，" + (TYPE_LABELS[q.type] || "") + "。"];
      if (q.type === "multiple") parts.push("请选择所有正确的选项。");
      parts.push(plain(q.stem));
      if (q.type === "single" || q.type === "multiple") {
        q.options.forEach(function (option, index) {
          parts.push(LETTERS.charAt(index) + "，" + plain(option.text) + "。");
        });
      } else if (q.type === "true_false") {
        parts.push("请判断对错。");
      }
      return parts.join(" ");
    }

    function markReading(qid, on) {
      var button = document.querySelector("#q-" + qid + " .exam-read");
      if (!button) return;
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.textContent = on ? "■ 停止朗读" : "🔊 读题";
    }

    function readAloud(qid) {
      var engine = synth();
      if (!engine || !speech.ready || !S.byId[qid]) return;
      if (speech.qid === qid) { stopReading(); return; } // pressed again: stop
      stopReading();
      var utterance = new window.SpeechSynthesisUtterance(spokenText(S.byId[qid]));
      utterance.lang = speech.voice.lang || "zh-CN";
      utterance.voice = speech.voice;
      utterance.rate = 0.9; // a little slower than the default, for older candidates
      utterance.onend = utterance.onerror = function () {
        if (speech.utterance !== utterance) return; // an earlier reading, cancelled
        speech.utterance = null;
        speech.qid = null;
        markReading(qid, false);
      };
      speech.qid = qid;
      speech.utterance = utterance;
      markReading(qid, true);
      engine.speak(utterance);
    }

    function stopReading() {
      if (speech.qid === null) return;
      var qid = speech.qid;
      speech.qid = null;
      speech.utterance = null;
      markReading(qid, false);
      try { synth().cancel(); } catch (e) { /* nothing being read */ }
    }

    function applyLarge() {
      root.classList.toggle("exam-large", S.large);
      document.querySelectorAll(".exam-big").forEach(function (button) {
        button.setAttribute("aria-pressed", S.large ? "true" : "false");
      });
    }

    function toggleLarge() {
      S.large = !S.large;
      store.set(LARGE_KEY, S.large ? "1" : "0");
      applyLarge();
    }

    // -- Rendering ---------------------------------------------------------------------------

    function renderAll() {
      ui.questions.textContent = "";
      S.questions.forEach(function (q) { ui.questions.appendChild(renderQuestion(q)); });
      ui.navGrid.textContent = "";
      S.questions.forEach(function (q, index) {
        var button = el("button", { type: "button", className: "exam-nav-btn", "data-index": index }, q.position);
        ui.navGrid.appendChild(button);
      });
      applyView();
      updateNav();
      updateLeaves();
      updateNet();
    }

    function renderQuestion(q) {
      var qid = String(q.id);
      var total = S.questions.length;
      var card = el("article", { className: "card exam-q", id: "q-" + qid, "data-qid": qid, "aria-labelledby": "q-" + qid + "-title" });
      var body = el("div", { className: "card-body" });
      card.appendChild(body);

      var head = el("div", { className: "exam-q-head" });
      var title = el("h2", { className: "exam-q-title", id: "q-" + qid + "-title", tabindex: "-1" }, "第 " + q.position + " 题");
      title.appendChild(el("span", { className: "exam-q-meta" },
        " / 共 " + total + " 题 · " + (TYPE_LABELS[q.type] || q.type) + " · " + q.points + " 分"));
      var flag = el("button", { type: "button", className: "btn btn-outline-warning exam-flag", "data-qid": qid, "aria-pressed": "false" });
      head.appendChild(title);
      head.appendChild(flag);
      body.appendChild(head);

      var tools = el("div", { className: "exam-q-tools" });
      tools.appendChild(el("button", {
        type: "button", className: "btn btn-outline-primary exam-tool exam-read", "data-qid": qid,
        "aria-pressed": "false", hidden: !speech.ready,
      }, "🔊 读题"));
      tools.appendChild(el("button", {
        type: "button", className: "btn btn-outline-secondary exam-tool exam-big",
        "aria-pressed": S.large ? "true" : "false", title: "放大题目文字",
      }, "大字"));
      body.appendChild(tools);

      body.appendChild(el("p", { className: "exam-stem mt-2 mb-2", id: "q-" + qid + "-stem" }, q.stem));
      if (q.image) {
        body.appendChild(el("img", {
          className: "exam-image mb-3", src: cfg.imageUrl.replace("__NAME__", encodeURIComponent(q.image)),
          alt: "第 " + q.position + " 题的配图", loading: "lazy",
        }));
      }

      var group = el("fieldset", { className: "exam-options", "aria-describedby": "q-" + qid + "-stem" });
      group.appendChild(el("legend", { className: "visually-hidden" }, "第 " + q.position + " 题的答案"));
      if (q.type === "single" || q.type === "multiple") {
        if (q.type === "multiple") group.appendChild(el("p", { className: "exam-hint" }, "多选题：请选择所有正确的选项。"));
        q.options.forEach(function (option, index) {
          var letter = LETTERS.charAt(index);
          var label = el("label", { className: "exam-option" });
          var input = el("input", {
            type: q.type === "single" ? "radio" : "checkbox",
            className: "form-check-input", name: "q-" + qid, value: option.key,
            "data-qid": qid, "aria-label": letter + "．" + option.text,
          });
          label.appendChild(input);
          label.appendChild(el("span", { className: "exam-letter", "aria-hidden": "true" }, letter));
          label.appendChild(el("span", { className: "exam-option-text" }, option.text));
          group.appendChild(label);
        });
      } else if (q.type === "true_false") {
        var row = el("div", { className: "exam-tf" });
        [["true", "✓ 对"], ["false", "✗ 错"]].forEach(function (pair) {
          var label = el("label", { className: "exam-option" });
          label.appendChild(el("input", {
            type: "radio", className: "form-check-input", name: "q-" + qid, value: pair[0], "data-qid": qid,
            "aria-label": pair[0] === "true" ? "对" : "错",
          }));
          label.appendChild(el("span", { className: "exam-option-text", "aria-hidden": "true" }, pair[1]));
          row.appendChild(label);
        });
        group.appendChild(row);
      } else {
        var blanks = q.blanks || 1;
        for (var i = 0; i < blanks; i++) {
          var wrap = el("div", { className: "exam-blank" });
          var id = "q-" + qid + "-b" + i;
          wrap.appendChild(el("label", { className: "form-label", for: id }, blanks > 1 ? "第 " + (i + 1) + " 空" : "答案"));
          wrap.appendChild(el("input", {
            type: "text", className: "form-control form-control-lg", id: id, "data-qid": qid,
            "data-blank": i, autocomplete: "off", autocapitalize: "off", spellcheck: "false",
            enterkeyhint: i + 1 < blanks ? "next" : "done", maxlength: "500",
          }));
          group.appendChild(wrap);
        }
      }
      body.appendChild(group);
      body.appendChild(el("div", { className: "exam-save", id: "q-" + qid + "-save", role: "status" }));
      fillCard(card, q);
      return card;
    }

    function fillQuestion(qid) {
      var card = document.getElementById("q-" + qid);
      if (card) fillCard(card, S.byId[qid]);
    }

    function fillCard(card, q) {
      var qid = String(q.id);
      var response = S.answers[qid];
      card.querySelectorAll("input").forEach(function (input) {
        if (input.type === "radio" || input.type === "checkbox") {
          var on;
          if (q.type === "true_false") on = typeof response === "boolean" && String(response) === input.value;
          else if (q.type === "single") on = response === input.value;
          else on = Array.isArray(response) && response.indexOf(input.value) >= 0;
          input.checked = on;
          input.closest(".exam-option").classList.toggle("is-checked", on);
        } else {
          var index = Number(input.dataset.blank);
          var value = Array.isArray(response) && response[index] !== undefined ? String(response[index]) : "";
          if (input.value !== value) input.value = value;
        }
      });
      var flag = card.querySelector(".exam-flag");
      var on = !!S.flagged[qid];
      flag.setAttribute("aria-pressed", on ? "true" : "false");
      flag.textContent = on ? "★ 已标记" : "☆ 标记";
      setSave(qid, S.save[qid] || "", card.querySelector(".exam-save"));
    }

    function setSave(qid, state, node) {
      S.save[qid] = state;
      node = node || document.getElementById("q-" + qid + "-save");
      if (!node) return;
      var text = SAVE_TEXT[state] || "";
      if (node.textContent !== text) node.textContent = text;
      node.className = "exam-save" + (state ? " exam-save--" + state : "");
      node.dataset.state = state;
    }

    function applyView() {
      var single = S.view === "single";
      ui.questions.querySelectorAll(".exam-q").forEach(function (card, index) {
        card.hidden = single && index !== S.current;
      });
      ui.pager.hidden = !single;
      ui.prev.disabled = S.current === 0;
      ui.next.textContent = S.current === S.questions.length - 1 ? "检查并交卷" : "下一题";
      document.querySelectorAll("[data-view]").forEach(function (button) {
        var on = button.dataset.view === S.view;
        button.setAttribute("aria-pressed", on ? "true" : "false");
        button.classList.toggle("active", on);
      });
    }

    function go(index, focus) {
      if (index < 0 || index >= S.questions.length) return;
      if (speech.qid !== null && S.byId[speech.qid] !== S.questions[index]) stopReading();
      S.current = index;
      sessionStorageSet("wuye-exam-current-" + S.attempt.id, String(index));
      applyView();
      updateNav();
      var card = ui.questions.children[index];
      if (S.view === "all") card.scrollIntoView({ block: "start" });
      else ui.paper.scrollIntoView({ block: "start" });
      if (focus) {
        var title = card.querySelector(".exam-q-title");
        if (title) title.focus({ preventScroll: true });
      }
    }

    function updateNav() {
      var answered = 0;
      S.questions.forEach(function (q, index) {
        var qid = String(q.id);
        var isDone = isAnswered(q.type, S.answers[qid]);
        if (isDone) answered++;
        var button = ui.navGrid.children[index];
        if (!button) return;
        button.classList.toggle("is-answered", isDone);
        button.classList.toggle("is-flagged", !!S.flagged[qid]);
        button.classList.toggle("is-pending", !!S.outbox.answers[qid]);
        if (index === S.current) button.setAttribute("aria-current", "true");
        else button.removeAttribute("aria-current");
        button.setAttribute("aria-label", "第 " + q.position + " 题，" + (isDone ? "已答" : "未答")
          + (S.flagged[qid] ? "，已标记" : "") + (index === S.current ? "，当前题" : ""));
      });
      ui.progress.textContent = "已答 " + answered + "/" + S.questions.length;
    }

    function updateNet() {
      if (!S.attempt) return;
      var pending = pendingAnswers().length;
      var text, cls;
      if (S.stopped && !S.ending) {
        text = pending ? pending + " 题的修改未能保存" : "已停止保存";
        cls = "exam-net--bad";
      } else if (S.offline) {
        text = pending ? "离线：" + pending + " 题已暂存在本机，联网后自动提交" : "网络已断开，联网后自动提交新的作答";
        cls = "exam-net--offline";
      } else if (pending) {
        text = S.failures ? pending + " 题暂未保存成功，正在重试…" : "正在保存 " + pending + " 题…";
        cls = S.failures ? "exam-net--bad" : "exam-net--busy";
      } else {
        text = "答案已全部保存 ✓";
        cls = "exam-net--ok";
      }
      if (pending && S.storageFailed && !S.stopped) text += "（本机无法暂存答案，请不要关闭页面）";
      if (ui.net.textContent !== text) ui.net.textContent = text;
      ui.net.className = cls;
    }

    function updateLeaves() {
      if (S.leaveLimit === null || S.leaveLimit === undefined) { ui.leaves.hidden = true; return; }
      ui.leaves.hidden = false;
      ui.leaves.textContent = "离开页面 " + S.leaveCount + "/" + S.leaveLimit + " 次";
      var left = S.leaveLimit - S.leaveCount;
      ui.leaves.className = left <= 1 ? "exam-leaves--warn" : "";
    }

    function warnLeaves() {
      if (S.leaveLimit === null || S.leaveLimit === undefined) return;
      var left = S.leaveLimit - S.leaveCount;
      var text = "";
      if (left === 1) {
        text = "提醒：您已离开考试页面 " + S.leaveCount + " 次，最多允许 " + S.leaveLimit
          + " 次。还可以离开 1 次，超过将自动交卷。";
      } else if (left === 0) {
        text = "警告：离开页面次数已用完，再离开考试页面一次将自动交卷！";
      }
      ui.leaveWarning.hidden = !text;
      ui.leaveWarning.textContent = text;
    }

    // -- Input ---------------------------------------------------------------------------------

    function readResponse(qid) {
      var q = S.byId[qid];
      var card = document.getElementById("q-" + qid);
      if (q.type === "fill") {
        return Array.prototype.map.call(card.querySelectorAll("input[type=text]"), function (input) { return input.value; });
      }
      var checked = Array.prototype.filter.call(card.querySelectorAll("input"), function (input) { return input.checked; });
      // Multiple choice: the stable keys, sorted, as the bank writes answers (["A", "C"]).
      if (q.type === "multiple") return checked.map(function (input) { return input.value; }).sort();
      if (!checked.length) return null;
      if (q.type === "true_false") return checked[0].value === "true";
      return checked[0].value;
    }

    function bindPaper() {
      ui.questions.addEventListener("change", function (event) {
        var input = event.target;
        if (!input.dataset || !input.dataset.qid || input.type === "text") return;
        var qid = input.dataset.qid;
        var card = document.getElementById("q-" + qid);
        card.querySelectorAll(".exam-option").forEach(function (label) {
          label.classList.toggle("is-checked", label.querySelector("input").checked);
        });
        setCurrentFrom(qid);
        change(qid, readResponse(qid), false);
      });
      ui.questions.addEventListener("input", function (event) {
        var input = event.target;
        if (input.type !== "text" || !input.dataset.qid || event.isComposing) return;
        change(input.dataset.qid, readResponse(input.dataset.qid), true);
      });
      ui.questions.addEventListener("compositionend", function (event) {
        // Chinese input methods: save the chosen characters, not the pinyin typed meanwhile.
        var input = event.target;
        if (input.type !== "text" || !input.dataset.qid) return;
        change(input.dataset.qid, readResponse(input.dataset.qid), true);
      });
      ui.questions.addEventListener("focusout", function (event) {
        var input = event.target;
        if (input.type === "text" && input.dataset.qid && S.debounce[input.dataset.qid]) flushNow();
      });
      ui.questions.addEventListener("focusin", function (event) {
        var card = event.target.closest && event.target.closest(".exam-q");
        if (card) setCurrentFrom(card.dataset.qid);
      });
      ui.questions.addEventListener("click", function (event) {
        var tool = event.target.closest && event.target.closest(".exam-read, .exam-big");
        if (tool && tool.classList.contains("exam-read")) { readAloud(tool.dataset.qid); return; }
        if (tool) { toggleLarge(); return; }
        var flag = event.target.closest && event.target.closest(".exam-flag");
        if (!flag || S.stopped || S.ending) return;
        var qid = flag.dataset.qid;
        if (S.flagged[qid]) delete S.flagged[qid]; else S.flagged[qid] = true;
        S.outbox.flags[qid] = !!S.flagged[qid];
        persistOutbox();
        fillQuestion(qid);
        updateNav();
        pump();
      });
      ui.navGrid.addEventListener("click", function (event) {
        var button = event.target.closest && event.target.closest(".exam-nav-btn");
        if (button) go(Number(button.dataset.index), true);
      });
      ui.prev.addEventListener("click", function () { go(S.current - 1, true); });
      ui.next.addEventListener("click", function () {
        if (S.current === S.questions.length - 1) openSubmit();
        else go(S.current + 1, true);
      });
      ui.showNav.addEventListener("click", function () {
        ui.nav.scrollIntoView({ block: "start" });
        ui.nav.focus({ preventScroll: true });
      });
      document.querySelectorAll("[data-view]").forEach(function (button) {
        button.addEventListener("click", function () {
          S.view = button.dataset.view;
          store.set(VIEW_KEY, S.view);
          applyView();
          go(S.current, false);
        });
      });
      ui.submit.addEventListener("click", openSubmit);
      ui.submitConfirm.addEventListener("click", submit);

      window.addEventListener("online", function () {
        S.offline = false;
        S.failures = 0;
        S.nextTry = 0;
        markOfflineSaves();
        pump();
        askClock();
      });
      window.addEventListener("offline", function () {
        S.offline = true;
        markOfflineSaves();
      });
      window.addEventListener("beforeunload", function (event) {
        if (S.leavingPage || S.stopped || !pendingCount()) return;
        flushNow(true);
        event.preventDefault();
        event.returnValue = "";
      });
      window.addEventListener("pagehide", function () {
        // Reloading or closing the page is not "leaving" it: a candidate on a stuck network
        // must be free to reload. (pagehide comes before the page's last visibilitychange.)
        S.leavingPage = true;
        stopReading();
        if (!S.stopped) flushNow(true);
      });
      window.addEventListener("pageshow", function (event) {
        if (!event.persisted) return; // back from the back-forward cache: carry on
        S.leavingPage = false;
        S.nextTry = 0;
        pump();
      });
      document.addEventListener("visibilitychange", function () {
        if (document.visibilityState === "hidden") {
          pageEvent("visibility_hidden");
          if (!S.stopped) flushNow(true);
        } else {
          pageEvent("visibility_visible");
          askClock();
        }
      });
      window.addEventListener("blur", function () { pageEvent("blur"); });
      window.addEventListener("focus", function () { pageEvent("focus"); });
    }

    function setCurrentFrom(qid) {
      var index = S.questions.indexOf(S.byId[qid]);
      if (index >= 0 && index !== S.current) {
        S.current = index;
        sessionStorageSet("wuye-exam-current-" + S.attempt.id, String(index));
        if (S.view === "single") applyView();
        updateNav();
      }
    }

    // -- Leaving the page --------------------------------------------------------------------

    function pageEvent(type) {
      if (!S.attempt || S.stopped || S.ending || S.leavingPage) return;
      var leave = type === "blur" || type === "visibility_hidden";
      if (leave && !S.lastEventWasLeave) {
        S.leaveCount++;
        updateLeaves();
      }
      S.lastEventWasLeave = leave;
      // Best effort: sendBeacon cannot carry the CSRF header, fetch with keepalive can.
      api("POST", "/attempts/" + S.attempt.id + "/events", { type: type }, { keepalive: true, timeout: 10000 })
        .then(function () {
          if (leave) return;
          if (S.leaveLimit !== null && S.leaveCount > S.leaveLimit) checkClosed();
          else if (type === "visibility_visible") stillHeld().catch(function () { /* offline */ });
        }, function () { /* offline: nothing to do */ });
      if (!leave) warnLeaves();
    }

    // Whether this page still holds the attempt, asked before handing in: re-save one flag as
    // it is (a device that lost the attempt is refused with taken_over).
    async function stillHeld() {
      var answered = Object.keys(S.seqs).filter(function (qid) { return S.byId[qid]; });
      var qid = answered.length ? answered[0] : String(S.questions[0].id);
      var r = await api("PUT", "/attempts/" + S.attempt.id + "/flags/" + qid, { flagged: !!S.flagged[qid] });
      if (r.status === 204 || r.status === 200) return true;
      refused(r, "probe", qid);
      return false;
    }

    async function checkClosed() {
      try {
        var r = await api("GET", "/attempts/" + S.attempt.id);
        if (r.status === 200 && r.data.status === "submitted") { S.stopped = true; S.ending = true; goToResult(); }
      } catch (error) { /* retried on the next save */ }
    }

    // -- Submitting ----------------------------------------------------------------------------

    function modal() {
      if (!S.modal && window.bootstrap && window.bootstrap.Modal) {
        S.modal = window.bootstrap.Modal.getOrCreateInstance(ui.modal);
      }
      return S.modal;
    }

    function openSubmit() {
      if (S.stopped || S.ending) return;
      var unanswered = 0, flagged = 0;
      S.questions.forEach(function (q) {
        var qid = String(q.id);
        if (!isAnswered(q.type, S.answers[qid])) unanswered++;
        if (S.flagged[qid]) flagged++;
      });
      var text = "共 " + S.questions.length + " 题，";
      text += unanswered ? "还有 " + unanswered + " 题未作答" : "已全部作答";
      if (flagged) text += "，" + flagged + " 题标记了待检查";
      ui.submitSummary.textContent = text + "。确定要交卷吗？";
      ui.submitProblem.hidden = true;
      ui.submitConfirm.disabled = false;
      ui.submitConfirm.textContent = "确认交卷";
      if (modal()) modal().show();
      else if (window.confirm(ui.submitSummary.textContent)) submit();
    }

    function submitProblem(text) {
      ui.submitProblem.hidden = false;
      ui.submitProblem.textContent = text;
      ui.submitConfirm.disabled = false;
      ui.submitConfirm.textContent = "再试一次";
    }

    async function submit() {
      if (S.stopped || S.ending) return;
      ui.submitConfirm.disabled = true;
      ui.submitConfirm.textContent = "正在交卷…";
      ui.submitProblem.hidden = true;
      flushNow();
      var until = Date.now() + 10000;
      while (pendingAnswers().length && Date.now() < until && !S.stopped) {
        if (S.offline && !navigator.onLine) break;
        await sleep(200);
        if (!Object.keys(S.inflight).length) pump();
      }
      if (S.stopped) return;
      var pending = pendingAnswers().length;
      if (pending) {
        if (S.offline || !navigator.onLine) {
          submitProblem("网络已断开：还有 " + pending + " 题的答案暂存在本机，尚未送达服务器，现在不能交卷。"
            + "请检查网络，联网后答案会自动提交，然后再交卷。考试时间到时系统会自动交卷。");
        } else {
          submitProblem("还有 " + pending + " 题的答案正在保存，请稍候再点交卷。");
        }
        return;
      }
      try {
        if (!(await stillHeld())) {
          // Taken over or closed (the page says so); otherwise the server is struggling.
          if (!S.stopped) submitProblem("交卷没有成功，答案都已保存，请稍后再试一次。");
          return;
        }
        var r = await api("POST", "/attempts/" + S.attempt.id + "/submit");
        if (r.status === 200) {
          S.stopped = true;
          S.outbox = { answers: {}, flags: {} };
          persistOutbox();
          goToResult();
          return;
        }
        if (r.status === 401) { signedOut(); return; }
        if (r.status === 400 && r.code === "csrf_failed") { pageExpired(); return; }
        if (r.status === 409) { closed(); return; }
        submitProblem((r.message || "交卷没有成功") + "，请再试一次。");
      } catch (error) {
        if (!(error instanceof NetworkError)) throw error;
        S.offline = !navigator.onLine || S.offline;
        submitProblem("网络不通，交卷没有成功。答案都已保存，请检查网络后再试一次。");
      }
    }

    // -- Go ----------------------------------------------------------------------------------------

    var startButton = $("exam-start");
    if (root.dataset.resume === "1") start();
    else if (startButton) startButton.addEventListener("click", start);
  }

  // ---------------------------------------------------------------------------------------
  // The result page: tell the candidate about changes that never reached the server
  // ---------------------------------------------------------------------------------------

  function initResult(root) {
    var attemptId = root.dataset.attemptId;
    var source = document.getElementById("exam-result-seqs");
    if (!attemptId || !source) return;
    var stored;
    try { stored = JSON.parse(source.textContent); } catch (e) { return; }
    var outbox = store.getJSON(outboxKey(attemptId));
    if (!outbox || !outbox.answers) { store.remove(outboxKey(attemptId)); return; }
    var lost = [];
    Object.keys(outbox.answers).forEach(function (qid) {
      var entry = outbox.answers[qid];
      var position = stored.positions[qid];
      if (position && entry && entry.seq > (Number(stored.seqs[qid]) || 0)) lost.push(position);
    });
    var notice = document.getElementById("exam-dropped");
    if (lost.length && notice) {
      lost.sort(function (a, b) { return a - b; });
      notice.textContent = "第 " + lost.join("、") + " 题的最后一次修改在考试结束前没有送达服务器，"
        + "成绩按服务器已保存的答案计算。";
      notice.hidden = false;
    }
    store.remove(outboxKey(attemptId));
  }

  var examRoot = document.getElementById("exam-app");
  if (examRoot) initExam(examRoot);
  var resultRoot = document.getElementById("exam-result");
  if (resultRoot) initResult(resultRoot);
})();
