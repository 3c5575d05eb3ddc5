// /interview: read the receipt's barcode or QR code into the dossier field with the phone's camera. Progressive: the
// button shows only where a camera can be asked for, the reader (ZXing, served from /lib) loads on the first press, and
// typing the code always works. The code is filled in, never sent: the volunteer checks it and presses "Kiểm tra hồ sơ".
(function () {
  'use strict';
  var input = document.getElementById('dossier-code');
  var button = document.getElementById('scan');
  var panel = document.getElementById('scanner');
  if (!input || !button || !panel || !window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return;
  }
  var video = panel.querySelector('video');
  var status = panel.querySelector('.iv-scan-status');
  var controls = null;
  button.hidden = false;

  // A receipt's code may be a link to the one-stop-shop look-up: take the dossier parameter of such a link.
  function codeFrom(text) {
    var value = (text || '').trim();
    try {
      var url = new URL(value);
      var found = null;
      url.searchParams.forEach(function (v, k) {
        var name = k.toLowerCase().replace(/[^a-z]/g, '');
        if (!found && /^(mahoso|hoso|mahs|code|dossier|dossiercode)$/.test(name) && v.trim()) found = v.trim();
      });
      return found || value;
    } catch (e) {
      return value;
    }
  }

  function load(ready) {
    if (window.ZXingBrowser) { ready(); return; }
    var script = document.createElement('script');
    script.src = '/lib/zxing-browser.min.js';
    script.onload = ready;
    script.onerror = function () { status.textContent = 'Không tải được trình quét mã. Vui lòng nhập Mã hồ sơ bằng tay.'; };
    document.head.appendChild(script);
  }

  function stop() {
    if (controls) { controls.stop(); controls = null; }
    panel.hidden = true;
    button.hidden = false;
  }

  button.addEventListener('click', function () {
    panel.hidden = false;
    button.hidden = true;
    status.textContent = 'Đưa mã vạch hoặc mã QR trên giấy hẹn vào khung hình.';
    load(function () {
      var reader = new window.ZXingBrowser.BrowserMultiFormatReader();
      reader.decodeFromVideoDevice(undefined, video, function (result, error, running) {
        controls = running;
        if (!result) return;
        input.value = codeFrom(result.getText());
        input.dataset.scanned = 'true';
        stop();
        input.focus();
      }).then(function (running) { controls = running; }, function () {
        status.textContent = 'Không mở được máy ảnh. Vui lòng cho phép dùng máy ảnh, hoặc nhập Mã hồ sơ bằng tay.';
      });
    });
  });
  panel.querySelector('.iv-scan-close').addEventListener('click', stop);
}());
