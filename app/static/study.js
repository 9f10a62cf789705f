/* Study page: heartbeats while the lesson is open and visible, resume position, 标记完成. */
(function () {
  "use strict";
  var root = document.getElementById("lesson");
  if (!root || root.dataset.learner !== "1") return;
  var hbUrl = root.dataset.heartbeatUrl;
  var completeUrl = root.dataset.completeUrl;
  var csrf = root.dataset.csrf;
  var kind = root.dataset.kind;
  var interval = Math.max(0.2, parseFloat(root.dataset.interval) || 15) * 1000;
  var seconds = parseInt(root.dataset.seconds, 10) || 0;
  var minSeconds = parseInt(root.dataset.minSeconds, 10) || 0;
  var video = document.getElementById("lesson-video");
  var timer = null;
  var sitting = false;

  function scrollRange() {
    return Math.max(1, document.documentElement.scrollHeight - window.innerHeight);
  }
  var restored = false;
  function position() {
    if (!restored) return null; /* never overwrite the saved place before it is restored */
    if (video) return Math.floor(video.currentTime || 0);
    return Math.round((window.scrollY / scrollRange()) * 1000); /* scroll in ‰ */
  }
  function restore() {
    var saved = parseInt(root.dataset.position, 10) || 0;
    if (!saved) { restored = true; return; }
    if (video) {
      var seek = function () {
        try { video.currentTime = saved; } catch (e) { /* not seekable yet */ }
        restored = true;
      };
      if (video.readyState >= 1) seek(); else video.addEventListener("loadedmetadata", seek, { once: true });
    } else {
      restored = true;
      window.scrollTo({ top: (saved / 1000) * scrollRange(), behavior: "instant" });
    }
  }
  function payload(mode) {
    var body = { position: position(), visible: document.visibilityState === "visible", mode: mode };
    if (video && isFinite(video.duration)) body.duration = Math.floor(video.duration);
    return body;
  }
  function show(data) {
    if (!data || !data.course) return;
    var hours = document.getElementById("course-hours");
    if (hours) hours.textContent = data.course.hours;
    if (data.lesson) {
      seconds = data.lesson.seconds;
      var s = document.getElementById("lesson-seconds");
      if (s) s.textContent = (seconds / 60).toFixed(1);
      if (data.lesson.done) markShown();
    }
  }
  function markShown() {
    var b = document.getElementById("mark-done");
    if (b) { b.disabled = true; b.textContent = "已完成"; }
    var h = document.getElementById("done-hint");
    if (h) h.textContent = kind === "video" ? "已完成" : "";
  }
  function error(text) {
    var e = document.getElementById("study-error");
    if (e) e.textContent = text || "";
  }
  function send(mode) {
    return fetch(hbUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(payload(mode))
    }).then(function (r) {
      if (r.status === 401) { error("登录已失效，请重新登录后继续学习"); stop(); return null; }
      if (r.status === 400) { error("页面已过期或登录已失效，请刷新页面（必要时重新登录）后继续学习"); stop(); return null; }
      if (!r.ok) return null;
      error("");
      return r.json();
    }).then(show).catch(function () { error("网络不稳定，学习时间可能未记录"); });
  }
  function beacon() {
    /* Leaving or hiding the page: a form body carrying the CSRF token (sendBeacon cannot set headers). */
    var form = new FormData();
    var body = payload("final");
    body.visible = true; /* credits the visible time up to now, then closes the sitting */
    Object.keys(body).forEach(function (k) { if (body[k] !== null) form.append(k, String(body[k])); });
    form.append("csrf_token", csrf);
    if (!(navigator.sendBeacon && navigator.sendBeacon(hbUrl, form))) {
      fetch(hbUrl, { method: "POST", body: form, credentials: "same-origin", keepalive: true });
    }
  }
  function start() {
    if (timer || document.visibilityState !== "visible") return;
    send(sitting ? "beat" : "start");
    sitting = true;
    timer = setInterval(function () { send("beat"); }, interval);
  }
  function stop() {
    if (timer) { clearInterval(timer); timer = null; }
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      sitting = false; /* the hidden time never counts: open a new sitting */
      start();
    } else {
      stop();
      beacon();
    }
  });
  window.addEventListener("pagehide", function () { stop(); beacon(); });
  window.addEventListener("pageshow", function (e) { if (e.persisted) { sitting = false; start(); } });

  var mark = document.getElementById("mark-done");
  if (mark) {
    mark.addEventListener("click", function () {
      if (seconds < minSeconds) {
        error("学习时间不足，请继续学习后再标记完成");
      }
      fetch(completeUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ position: position() })
      }).then(function (r) {
        return r.json().then(function (data) {
          if (!r.ok) { error((data.error && data.error.message) || "操作失败"); return; }
          error("");
          show(data);
          markShown();
        });
      }).catch(function () { error("网络不稳定，请稍后重试"); });
    });
  }
  if (video) {
    video.addEventListener("pause", function () { send("beat"); });
    video.addEventListener("ended", function () { send("beat"); });
  }
  if (document.readyState === "complete") restore(); else window.addEventListener("load", restore);
  start();
})();
