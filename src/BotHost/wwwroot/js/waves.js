// Wave pages: the new-wave form (period reload, "Áp dụng gợi ý", invitations needed) and the wave page (busy start
// button, cancel confirmation, live progress, a continuous wave's pacing). Every page also works without this script: buttons fall back to
// plain GET or POST forms.
(function () {
  'use strict';

  var vi = 'vi-VN';
  function number(n) { return Number(n).toLocaleString(vi); }
  function percent(part, whole) {
    return whole > 0 ? (part * 100 / whole).toLocaleString(vi, { maximumFractionDigits: 1 }) + ' %' : '—';
  }

  // ---- /admin/waves/new ----
  var form = document.getElementById('wave-form');
  if (form) {
    // A GET of the same page with what was typed, without the antiforgery token (it has no business in a URL).
    var reload = function (extra) {
      var params = new URLSearchParams(new FormData(form));
      params.delete('__RequestVerificationToken');
      if (extra) Object.keys(extra).forEach(function (k) { params.set(k, extra[k]); });
      window.location.assign(form.getAttribute('action') + '?' + params.toString());
    };

    form.querySelectorAll('[data-reload]').forEach(function (input) {
      input.addEventListener('change', function () {
        var from = form.elements.ResultsFrom.value, to = form.elements.ResultsTo.value;
        if (from && to && from <= to) reload();
      });
    });
    document.getElementById('reload-counts').addEventListener('click', function (e) { e.preventDefault(); reload(); });

    var rows = Array.prototype.slice.call(document.querySelectorAll('#quota-table tbody tr'));
    var rateInput = document.getElementById('response-rate');

    // Invitations needed = ⌈target / rate⌉ capped at N, in integers (rate in tenths of a percent) so 30 / 30 % is 100, not 101.
    var recompute = function () {
      var tenths = Math.round(parseFloat((rateInput.value || '').replace(',', '.')) * 10);
      var total = 0;
      rows.forEach(function (row) {
        var input = row.querySelector('input.target');
        var typed = parseInt(input.value, 10);
        if (typed > 0) total += typed;
        var cell = row.querySelector('[data-col="invitations"]');
        var population = parseInt(row.dataset.population, 10);
        if (!cell || cell.textContent.trim() === '—' || !(tenths > 0 && tenths <= 1000)) return;
        var target = typed > 0 ? typed : parseInt(row.dataset.suggestion, 10);
        var needed = target > 0 && population > 0 ? Math.min(population, Math.floor((target * 1000 + tenths - 1) / tenths)) : 0;
        cell.textContent = number(needed);
      });
      var totalCell = document.getElementById('total-target');
      if (totalCell) totalCell.textContent = total > 0 ? number(total) : '';
    };
    rows.forEach(function (row) { row.querySelector('input.target').addEventListener('input', recompute); });
    if (rateInput) rateInput.addEventListener('input', recompute);

    document.getElementById('apply-suggestion').addEventListener('click', function (e) {
      e.preventDefault();
      rows.forEach(function (row) {
        var suggestion = parseInt(row.dataset.suggestion, 10);
        row.querySelector('input.target').value = suggestion > 0 ? String(suggestion) : '';
      });
      recompute();
    });

    form.addEventListener('submit', function (e) {
      var button = e.submitter;
      if (button && button.getAttribute('formmethod') === 'get') return;
      var create = document.getElementById('create-wave');
      create.setAttribute('aria-busy', 'true');
      create.disabled = true;
    });
    recompute();
  }

  // ---- /admin/waves/{id} ----
  var wave = document.getElementById('wave');
  if (!wave) return;

  // Starting plans every invitation in one request: say so rather than look frozen, and block a second click.
  wave.querySelectorAll('form[data-busy], form[data-confirm]').forEach(function (f) {
    f.addEventListener('submit', function (e) {
      if (f.dataset.confirm && !window.confirm(f.dataset.confirm)) { e.preventDefault(); return; }
      wave.querySelectorAll('.wave-actions button').forEach(function (b) { b.disabled = true; });
      var button = f.querySelector('button');
      button.setAttribute('aria-busy', 'true');
      if (f.dataset.busy) {
        button.textContent = f.dataset.busy;
        var note = document.getElementById('busy-note');
        note.textContent = 'Hệ thống đang chọn mẫu và xếp lịch gửi; với đợt lớn việc này có thể mất vài chục giây.';
        note.hidden = false;
      }
    });
  });

  if (wave.dataset.status !== 'running') return;

  var id = wave.dataset.waveId;
  var target = parseInt(wave.dataset.target, 10) || 0;
  var setCount = function (key, value) {
    var el = wave.querySelector('[data-count="' + key + '"]');
    if (el) el.textContent = number(value);
  };
  var setBar = function (key, part, whole) {
    var bar = wave.querySelector('progress[data-bar="' + key + '"]');
    if (bar) { bar.max = Math.max(whole, 1); bar.value = Math.min(part, whole); }
    var ratio = wave.querySelector('[data-ratio="' + key + '"]');
    if (ratio) ratio.textContent = number(part) + ' / ' + number(whole);
  };
  var stamp = function () {
    // In Vietnam time whatever the browser's zone; the page names the zone (VietnamTime.ZoneId).
    var el = document.getElementById('updated-at');
    el.textContent =
      new Date().toLocaleTimeString(vi, { timeZone: el.dataset.timeZone, hour12: false, hour: '2-digit', minute: '2-digit', second: '2-digit' });
  };
  var getJson = function (url) {
    return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } }).then(function (r) {
      if (!r.ok) throw new Error(url + ' → ' + r.status);
      return r.json();
    });
  };

  var timer = null;
  var poll = function () {
    var continuous = document.getElementById('continuous-pacing');
    Promise.all([
      getJson('/api/admin/waves/' + id),
      getJson('/api/admin/waves/' + id + '/agencies'),
      continuous ? getJson('/api/admin/waves/' + id + '/pacing') : Promise.resolve(null),
    ]).then(function (answers) {
      var p = answers[0], agencies = answers[1];
      if (p.status !== wave.dataset.status) {
        // Paused, cancelled or finished elsewhere: the buttons allowed have changed, so show the page afresh.
        window.clearInterval(timer);
        window.location.reload();
        return;
      }
      ['planned', 'sent', 'delivered', 'failed', 'responded', 'completed', 'optedOut', 'expired'].forEach(function (k) { setCount(k, p[k]); });
      setBar('completed:target', p.completed, target);
      setBar('sent:planned', p.sent, p.planned);
      setBar('responded:sent', p.responded, p.sent);
      agencies.forEach(function (a) {
        var row = wave.querySelector('#agency-progress tr[data-agency="' + CSS.escape(a.agencyCode) + '"]');
        if (!row) return;
        ['planned', 'sent', 'responded', 'completed'].forEach(function (k) { row.querySelector('[data-col="' + k + '"]').textContent = number(a[k]); });
        row.querySelector('[data-col="rate"]').textContent = percent(a.responded, a.sent);
        var bar = row.querySelector('progress[data-col="bar"]');
        bar.max = Math.max(a.target, 1);
        bar.value = Math.min(a.completed, a.target);
      });
      if (answers[2]) {
        answers[2].agencies.forEach(function (a) {
          var row = wave.querySelector('#continuous-pacing tr[data-agency="' + CSS.escape(a.agencyCode) + '"]');
          if (!row) return;
          ['arrived', 'eligible', 'invited', 'completed', 'target', 'late'].forEach(function (k) { row.querySelector('[data-col="' + k + '"]').textContent = number(a[k]); });
          row.querySelector('[data-col="probability"]').textContent = a.probability === null ? '—' : percent(a.probability, 1);
          row.querySelector('[data-col="projected"]').textContent = number(Math.round(a.projected));
        });
      }
      stamp();
      document.getElementById('live-error').hidden = true;
    }).catch(function (err) {
      var el = document.getElementById('live-error');
      el.textContent = ' · chưa làm mới được (' + err.message + '), sẽ thử lại';
      el.hidden = false;
    });
  };
  timer = window.setInterval(poll, 5000);
})();
