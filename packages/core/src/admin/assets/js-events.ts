/** The event log with its filters, and the chart of codes sent, verified and failed per hour. */
export const JS_EVENTS = String.raw`
var SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, children) {
  var node = document.createElementNS(SVG, tag);
  Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, String(attrs[key])); });
  (children || []).forEach(function (child) { node.append(child); });
  return node;
}

function hourLabel(iso) {
  var d = new Date(iso);
  return String(d.getHours()).padStart(2, '0') + ':00';
}

/* Grouped bars per hour, drawn with DOM calls; the numbers are also in a table for screen readers. */
function drawChart(container, hours) {
  var series = [['sent', 'sent'], ['verified', 'verified'], ['failed', 'failed']];
  var W = 720, H = 180, left = 34, top = 12, bottom = 24;
  var plot = H - top - bottom;
  var group = (W - left) / hours.length;
  var bar = group / 4;
  var max = 1;
  var totals = { sent: 0, verified: 0, failed: 0 };
  hours.forEach(function (h) { series.forEach(function (s) { max = Math.max(max, h[s[0]]); totals[s[0]] += h[s[0]]; }); });
  var summary = 'Last 24 hours: ' + totals.sent + ' sent, ' + totals.verified + ' verified, ' + totals.failed + ' failed.';
  var chart = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'Codes per hour. ' + summary });
  chart.append(svg('line', { class: 'axis', x1: left, y1: top + plot, x2: W, y2: top + plot }));
  chart.append(svg('line', { class: 'axis', x1: left, y1: top, x2: left, y2: top + plot }));
  chart.append(svg('text', { x: left - 5, y: top + 10, 'text-anchor': 'end' }, [String(max)]));
  chart.append(svg('text', { x: left - 5, y: top + plot, 'text-anchor': 'end' }, ['0']));
  hours.forEach(function (h, i) {
    var g = svg('g', null, [svg('title', null, [hourLabel(h.hour) + ': ' + h.sent + ' sent, ' + h.verified + ' verified, ' + h.failed + ' failed'])]);
    series.forEach(function (s, k) {
      var height = (h[s[0]] / max) * plot;
      g.append(svg('rect', { class: 'bar-' + s[1], x: left + i * group + bar * (k + 0.5), y: top + plot - height, width: bar, height: height }));
    });
    chart.append(g);
    if (i % 6 === 0) chart.append(svg('text', { x: left + i * group + group / 2, y: H - 6, 'text-anchor': 'middle' }, [hourLabel(h.hour)]));
  });
  var numbers = el('details', { class: 'numbers' }, [
    el('summary', { text: 'Show the numbers' }),
    table('Codes per hour', [
      { label: 'Hour', cell: function (h) { return hourLabel(h.hour); } },
      { label: 'Sent', cell: function (h) { return String(h.sent); } },
      { label: 'Verified', cell: function (h) { return String(h.verified); } },
      { label: 'Failed', cell: function (h) { return String(h.failed); } }
    ], hours)
  ]);
  container.replaceChildren(el('p', { class: 'hint', text: summary }), chart, numbers);
}

function eventsPage() {
  var filters = $('#filters');
  var resourceSelect = $('#f-resource');
  var resourceNames = {};
  var list = listController({ path: 'events', cursorParam: 'before', empty: 'No events match.', render: render, params: function () {
    return { type: field(filters, 'type').value, login: field(filters, 'login').value.trim(), resourceId: resourceSelect.value };
  } });

  function details(e) {
    var d = e.detail || {};
    return Object.keys(d).map(function (k) { return k + ': ' + d[k]; }).join(', ');
  }

  function render(items) {
    return table('Events, newest first', [
      { label: 'Time', cell: function (e) { return fmtTime(e.at); } },
      { label: 'Event', cls: 'cell-name', cell: function (e) { return e.type; } },
      { label: 'User', cell: function (e) { return e.login || ''; } },
      { label: 'Resource', cell: function (e) { return e.resourceName || resourceNames[e.resourceId] || e.resourceId || ''; } },
      { label: 'Token', cell: function (e) { return e.tokenId || ''; } },
      { label: 'IP', cell: function (e) { return e.ip || ''; } },
      { label: 'Result', cell: function (e) { return e.code || ''; } },
      { label: 'Details', cell: details }
    ], items);
  }

  filters.addEventListener('submit', function (event) { event.preventDefault(); list.reload(); });
  filters.addEventListener('reset', function () { setTimeout(function () { list.reload(); }, 0); });

  api('GET', 'resources' + qs({ limit: 200 })).then(function (page) {
    page.items.forEach(function (r) {
      resourceNames[r.id] = r.name;
      resourceSelect.append(el('option', { value: r.id, text: r.name }));
    });
  }).catch(function (err) { notify(err.message, true); });

  api('GET', 'stats/hourly').then(function (stats) { drawChart($('#chart'), stats.hours); })
    .catch(function (err) { $('#chart').replaceChildren(el('p', { class: 'alert', text: err.message })); });

  list.reload();
}
`;
