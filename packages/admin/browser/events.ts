/* The event log with its filters, and the chart of codes sent, verified and failed per hour. */

/** One entry of the event log as the API shows it. */
interface EventView {
  at: string;
  type: string;
  login?: string | null;
  resourceId?: string | null;
  resourceName?: string | null;
  tokenId?: string | null;
  /** The token's name when the event was made (or, for older entries, now). */
  tokenName?: string | null;
  /** On admin changes: the administrator's name, or null for a change made through the API with no one named. */
  actor?: string | null;
  ip?: string | null;
  code?: string | null;
  detail?: Record<string, unknown> | null;
}

/** Codes sent, verified and failed in one hour (`hour` is when it starts). */
interface HourStats {
  hour: string;
  sent: number;
  verified: number;
  failed: number;
}

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag: string, attrs: Record<string, unknown> | null, children?: readonly (Node | string)[]): SVGElement {
  const node = document.createElementNS(SVG, tag) as SVGElement;
  const given = attrs || {};
  Object.keys(given).forEach((key) => node.setAttribute(key, String(given[key])));
  (children || []).forEach((child) => node.append(child));
  return node;
}

function hourLabel(iso: string): string {
  const d = new Date(iso);
  return String(d.getHours()).padStart(2, '0') + ':00';
}

/** Grouped bars per hour, drawn with DOM calls; the numbers are also in a table for screen readers. */
function drawChart(container: HTMLElement, hours: HourStats[]): void {
  const series: [keyof Omit<HourStats, 'hour'>, string][] = [['sent', 'sent'], ['verified', 'verified'], ['failed', 'failed']];
  const W = 720, H = 180, left = 34, top = 12, bottom = 24;
  const plot = H - top - bottom;
  const group = (W - left) / hours.length;
  const bar = group / 4;
  let max = 1;
  const totals = { sent: 0, verified: 0, failed: 0 };
  hours.forEach((h) => series.forEach((s) => {
    max = Math.max(max, h[s[0]]);
    totals[s[0]] += h[s[0]];
  }));
  const summary = 'Last 24 hours: ' + totals.sent + ' sent, ' + totals.verified + ' verified, ' + totals.failed + ' failed.';
  const chart = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'Codes per hour. ' + summary });
  chart.append(svg('line', { class: 'axis', x1: left, y1: top + plot, x2: W, y2: top + plot }));
  chart.append(svg('line', { class: 'axis', x1: left, y1: top, x2: left, y2: top + plot }));
  chart.append(svg('text', { x: left - 5, y: top + 10, 'text-anchor': 'end' }, [String(max)]));
  chart.append(svg('text', { x: left - 5, y: top + plot, 'text-anchor': 'end' }, ['0']));
  hours.forEach((h, i) => {
    const g = svg('g', null, [svg('title', null, [hourLabel(h.hour) + ': ' + h.sent + ' sent, ' + h.verified + ' verified, ' + h.failed + ' failed'])]);
    series.forEach((s, k) => {
      const height = (h[s[0]] / max) * plot;
      g.append(svg('rect', { class: 'bar-' + s[1], x: left + i * group + bar * (k + 0.5), y: top + plot - height, width: bar, height: height }));
    });
    chart.append(g);
    if (i % 6 === 0) chart.append(svg('text', { x: left + i * group + group / 2, y: H - 6, 'text-anchor': 'middle' }, [hourLabel(h.hour)]));
  });
  const numbers = el('details', { class: 'numbers' }, [
    el('summary', { text: 'Show the numbers' }),
    table<HourStats>('Codes per hour', [
      { label: 'Hour', cell: (h) => hourLabel(h.hour) },
      { label: 'Sent', cell: (h) => String(h.sent) },
      { label: 'Verified', cell: (h) => String(h.verified) },
      { label: 'Failed', cell: (h) => String(h.failed) },
    ], hours),
  ]);
  container.replaceChildren(el('p', { class: 'hint', text: summary }), chart, numbers);
}

function eventsPage(): void {
  const filters = $<HTMLFormElement>('#filters')!;
  const resourceSelect = $<HTMLSelectElement>('#f-resource')!;
  const resourceNames: Record<string, string> = {};
  const list = listController<EventView>({ path: 'events', cursorParam: 'before', empty: 'No events match.', render: render, params: () => {
    return { type: field<HTMLSelectElement>(filters, 'type').value, login: field(filters, 'login').value.trim(), resourceId: resourceSelect.value };
  } });

  function details(e: EventView): string {
    const d = e.detail || {};
    return Object.keys(d).map((k) => k + ': ' + d[k]).join(', ');
  }

  /** Who made an admin change: their name, "API" when no one was named; empty for what the rules decided. */
  function actorCell(e: EventView): Child {
    if (e.actor === undefined) return '';
    return e.actor === null ? el('span', { class: 'muted', title: 'Made through the API with no administrator named', text: 'API' }) : e.actor;
  }

  function render(items: EventView[]): Node {
    return table<EventView>('Events, newest first', [
      { label: 'Time', cell: (e) => fmtTime(e.at) },
      { label: 'Event', cls: 'cell-name', cell: (e) => e.type },
      { label: 'User', cell: (e) => e.login || '' },
      { label: 'Resource', cell: (e) => e.resourceName || (e.resourceId ? resourceNames[e.resourceId] : undefined) || e.resourceId || '' },
      { label: 'Token', cell: (e) => e.tokenName || e.tokenId || '' },
      { label: 'Changed by', cell: actorCell },
      { label: 'IP', cell: (e) => e.ip || '' },
      { label: 'Result', cell: (e) => e.code || '' },
      { label: 'Details', cell: details },
    ], items);
  }

  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    list.reload();
  });
  filters.addEventListener('reset', () => {
    setTimeout(() => {
      list.reload();
    }, 0);
  });

  api<ApiPage<ResourceView>>('GET', 'resources' + qs({ limit: 200 })).then((page) => {
    page.items.forEach((r) => {
      resourceNames[r.id] = r.name;
      resourceSelect.append(el('option', { value: r.id, text: r.name }));
    });
  }).catch((err) => notify(messageOf(err), true));

  api<{ hours: HourStats[] }>('GET', 'stats/hourly').then((stats) => drawChart($('#chart')!, stats.hours))
    .catch((err) => $('#chart')!.replaceChildren(el('p', { class: 'alert', text: messageOf(err) })));

  list.reload();
}
