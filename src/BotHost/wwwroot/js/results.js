// Charts of the results pages (/admin/results and the public /results): horizontal bars of SIPAS indices (elements,
// blocks, agencies) with their 95% interval drawn as a whisker; the tooltip counts ballots (people), not answers. The figures come from the page itself (<script id="results-data">), so the charts
// always show what the tables show.
(function () {
  'use strict';
  var source = document.getElementById('results-data');
  if (!source || typeof Chart === 'undefined') return;
  var data = JSON.parse(source.textContent || '{}');
  var percent = new Intl.NumberFormat('vi-VN', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

  // Long Vietnamese names would squeeze the bars on a phone: wrap them into short lines.
  function wrap(text, width) {
    var words = String(text).split(/\s+/), lines = [], line = '';
    words.forEach(function (word) {
      if (line && (line + ' ' + word).length > width) { lines.push(line); line = word; }
      else { line = line ? line + ' ' + word : word; }
    });
    if (line) lines.push(line);
    return lines.slice(0, 3);
  }

  // Draws each bar's interval (ciLow–ciHigh) as a line with end caps across the bar.
  function intervals(rows) {
    return {
      id: 'intervals',
      afterDatasetsDraw: function (chart) {
        var meta = chart.getDatasetMeta(0), x = chart.scales.x, ctx = chart.ctx;
        ctx.save();
        ctx.strokeStyle = '#1b2733';
        ctx.lineWidth = 1.5;
        meta.data.forEach(function (bar, i) {
          var row = rows[i];
          if (!row || row.ciLow == null || row.ciHigh == null) return;
          var left = x.getPixelForValue(row.ciLow), right = x.getPixelForValue(row.ciHigh), y = bar.y, cap = 5;
          ctx.beginPath();
          ctx.moveTo(left, y); ctx.lineTo(right, y);
          ctx.moveTo(left, y - cap); ctx.lineTo(left, y + cap);
          ctx.moveTo(right, y - cap); ctx.lineTo(right, y + cap);
          ctx.stroke();
        });
        ctx.restore();
      }
    };
  }

  function draw(box, rows, label) {
    var canvas = box.querySelector('canvas');
    if (!canvas || rows.length === 0) { box.hidden = true; return; }
    var narrow = box.clientWidth < 520;
    box.style.height = (rows.length * (narrow ? 52 : 40) + 60) + 'px';
    new Chart(canvas, {
      type: 'bar',
      data: {
        labels: rows.map(function (r) { return wrap(label(r), narrow ? 18 : 34); }),
        datasets: [{
          label: 'Chỉ số hài lòng (%)',
          data: rows.map(function (r) { return r.index; }),
          backgroundColor: rows.map(function (r) { return r.index == null ? '#c8d0d9' : r.index >= 80 ? '#2e8b57' : r.index >= 60 ? '#0b5394' : '#d9822b'; }),
          borderRadius: 3,
          barPercentage: 0.75
        }]
      },
      options: {
        indexAxis: 'y',
        maintainAspectRatio: false,
        responsive: true,
        animation: false,
        scales: {
          x: { min: 0, max: 100, ticks: { callback: function (v) { return v + '%'; } } },
          y: { ticks: { autoSkip: false, font: { size: narrow ? 11 : 12 } } }
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (item) {
                var r = rows[item.dataIndex];
                if (r.index == null) return 'Chưa có câu trả lời';
                var text = 'Chỉ số ' + percent.format(r.index) + '%';
                if (r.ciLow != null) text += ' (KTC 95%: ' + percent.format(r.ciLow) + '–' + percent.format(r.ciHigh) + ')';
                return text + ' · ' + r.count + ' phiếu';
              }
            }
          }
        }
      },
      plugins: [intervals(rows)]
    });
  }

  document.querySelectorAll('[data-chart="elements"]').forEach(function (box) {
    draw(box, (data.elements || []).filter(function (e) { return e.count > 0; }),
      function (e) { return e.elementCode + ' · ' + e.name; });
  });
  document.querySelectorAll('[data-chart="blocks"]').forEach(function (box) {
    draw(box, data.blocks || [], function (b) { return b.name; });
  });
  document.querySelectorAll('[data-chart="agencies"]').forEach(function (box) {
    draw(box, data.agencies || [], function (a) { return a.agencyName; });
  });
})();
