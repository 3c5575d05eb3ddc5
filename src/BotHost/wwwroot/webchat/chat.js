// ChatSurvey web chat: Microsoft Web Chat over BotHost's own Direct Line endpoint (/v3/directline, polling).
// The page says which survey it opens (data-invitation-code from /s/{code}, or data-agency-code from a QR code);
// this script gets a token for it and renders the chat. No personal data is ever put in the page.
(function () {
  'use strict';

  var root = document.getElementById('chat');
  var status = document.getElementById('chat-status');
  var invitationCode = root.getAttribute('data-invitation-code');
  var agencyCode = root.getAttribute('data-agency-code');
  var domain = window.location.origin + '/v3/directline';
  // An agency (QR) survey has no link of its own to come back to: its token is kept for this tab, so a reload
  // resumes it. An invitation's link always resumes its one conversation, so nothing needs keeping for it.
  var storageKey = agencyCode ? 'chatsurvey.agency.' + agencyCode : null;

  function show(message) {
    status.textContent = message;
    status.hidden = false;
  }

  function saved() {
    try { return storageKey ? window.sessionStorage.getItem(storageKey) : null; } catch (e) { return null; }
  }

  function save(token) {
    try { if (storageKey) { window.sessionStorage.setItem(storageKey, token); } } catch (e) { /* private mode */ }
  }

  async function token() {
    var previous = saved();
    if (previous) {
      var refreshed = await fetch(domain + '/tokens/refresh', { method: 'POST', headers: { Authorization: 'Bearer ' + previous } });
      if (refreshed.ok) {
        return (await refreshed.json()).token;
      }
    }

    var response = await fetch('/api/webchat/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(invitationCode ? { invitationCode: invitationCode } : { agencyCode: agencyCode })
    });
    if (response.status === 429) {
      var wait = parseInt(response.headers.get('Retry-After') || '60', 10);
      throw new Error('busy ' + Math.max(1, Math.ceil(wait / 60)));
    }
    if (!response.ok) {
      throw new Error('token ' + response.status);
    }

    return (await response.json()).token;
  }

  var styleOptions = {
    accentColor: '#b3121b',
    backgroundColor: '#fffdf8',
    bubbleBackground: '#ffffff',
    bubbleBorderColor: '#e3d9c6',
    bubbleBorderRadius: 12,
    bubbleFromUserBackground: '#b3121b',
    bubbleFromUserTextColor: '#ffffff',
    bubbleFromUserBorderRadius: 12,
    botAvatarInitials: 'HP',
    botAvatarBackgroundColor: '#b3121b',
    hideUploadButton: true,
    primaryFont: "'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif",
    rootHeight: '100%',
    sendBoxButtonColor: '#b3121b',
    suggestedActionLayout: 'flow',
    suggestedActionBackgroundColor: '#ffffff',
    suggestedActionBorderColor: '#b3121b',
    suggestedActionTextColor: '#b3121b',
    suggestedActionBorderRadius: 16
  };

  token().then(function (value) {
    save(value);
    var directLine = window.WebChat.createDirectLine({ token: value, domain: domain, webSocket: false, pollingInterval: 1000 });
    // Direct Line refreshes its token every 15 minutes; keep the newest so a reload can still resume.
    window.addEventListener('pagehide', function () { if (directLine.token) { save(directLine.token); } });
    window.WebChat.renderWebChat(
      { directLine: directLine, userID: 'citizen', locale: 'vi-VN', styleOptions: styleOptions },
      document.getElementById('webchat'));
    root.setAttribute('data-ready', 'true');
  }).catch(function (error) {
    var busy = /^busy (\d+)$/.exec(error && error.message);
    show(busy
      ? 'Hiện có nhiều người cùng mở khảo sát. Ông/Bà vui lòng tải lại trang sau khoảng ' + busy[1] + ' phút.'
      : 'Không mở được khảo sát. Ông/Bà vui lòng tải lại trang sau ít phút.');
  });
})();
