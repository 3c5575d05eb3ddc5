// Embeddable survey button for agency websites:
//   <script src="https://{survey host}/webchat/embed.js" data-agency="HP-STP" async></script>
// Opens the agency's survey (/chat?agency=…&embed=true) in a frame served by the survey host itself, so the
// agency's page never handles tokens and needs no cross-origin access. Optional: data-label="…".
(function () {
  'use strict';

  var script = document.currentScript;
  if (!script) { return; }
  var origin = new URL(script.src).origin;
  var agency = script.getAttribute('data-agency') || '';
  var label = script.getAttribute('data-label') || 'Đánh giá sự hài lòng';
  var frame = null;

  var button = document.createElement('button');
  button.type = 'button';
  button.textContent = label;
  button.setAttribute('aria-expanded', 'false');
  button.style.cssText = 'position:fixed;right:20px;bottom:20px;z-index:2147483000;padding:12px 18px;border:0;' +
    'border-radius:24px;background:#b3121b;color:#fff;font:600 15px/1.2 Arial,sans-serif;cursor:pointer;' +
    'box-shadow:0 4px 14px rgba(0,0,0,.25)';

  button.addEventListener('click', function () {
    if (!frame) {
      frame = document.createElement('iframe');
      frame.title = label;
      frame.src = origin + '/chat?agency=' + encodeURIComponent(agency) + '&embed=true';
      frame.style.cssText = 'position:fixed;right:20px;bottom:76px;z-index:2147483000;width:min(400px,calc(100vw - 40px));' +
        'height:min(620px,calc(100vh - 110px));border:1px solid #e3d9c6;border-radius:12px;background:#fff;' +
        'box-shadow:0 8px 28px rgba(0,0,0,.3)';
      document.body.appendChild(frame);
    } else {
      frame.hidden = !frame.hidden;
    }

    button.setAttribute('aria-expanded', String(!frame.hidden));
  });

  document.body.appendChild(button);
})();
