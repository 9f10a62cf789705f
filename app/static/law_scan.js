// The sign-in scanner: read QR codes from the camera (or typed codes) and check people in.
(function () {
  const form = document.getElementById('code-form');
  const input = document.getElementById('code');
  const box = document.getElementById('result');
  const checked = document.getElementById('checked');
  let busy = false, last = '', lastAt = 0;
  function show(data) {
    box.className = 'alert fs-5 ' + (data.ok && !data.already ? 'alert-success' : 'alert-warning');
    box.textContent = data.message;
    if (data.ok && !data.already) checked.textContent = String(Number(checked.textContent) + 1);
  }
  async function submit(code) {
    if (busy || !code) return;
    busy = true;
    try {
      const body = new FormData(form);
      body.set('code', code);
      const response = await fetch(form.action || location.href, {method: 'POST', body: body, headers: {'X-Requested-With': 'fetch'}});
      show(response.ok ? await response.json() : {ok: false, message: '签到失败，请刷新页面后重试'});
    } catch (e) {
      show({ok: false, message: '网络异常，请重试'});
    } finally { busy = false; input.value = ''; }
  }
  form.addEventListener('submit', function (event) { event.preventDefault(); submit(input.value.trim()); });
  if (!('BarcodeDetector' in window) || !navigator.mediaDevices) {
    document.getElementById('no-camera').classList.remove('d-none');
    return;
  }
  const detector = new BarcodeDetector({formats: ['qr_code']});
  const video = document.getElementById('video');
  navigator.mediaDevices.getUserMedia({video: {facingMode: 'environment'}}).then(function (stream) {
    video.srcObject = stream; video.play();
    document.getElementById('camera').classList.remove('d-none');
    async function tick() {
      try {
        const codes = await detector.detect(video);
        const now = Date.now();
        if (codes.length && (codes[0].rawValue !== last || now - lastAt > 4000)) {
          last = codes[0].rawValue; lastAt = now;
          await submit(last);
        }
      } catch (e) { /* frame not ready */ }
      setTimeout(tick, 300);
    }
    tick();
  }).catch(function () { document.getElementById('no-camera').classList.remove('d-none'); });
})();
