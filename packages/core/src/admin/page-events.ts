import { escapeHtml } from '../web/html';
import { EVENT_TYPES } from './event-types';
import { panelLayout, type PageContext } from './page-layout';

function filters(): string {
  const types = ['<option value="">All events</option>', ...EVENT_TYPES.map((t) => `<option value="${escapeHtml(t)}">${escapeHtml(t)}</option>`)].join('');
  return [
    '<form id="filters" class="filters" aria-label="Filter the events">',
    `<div class="field"><label for="f-type">Event</label><select id="f-type" name="type">${types}</select></div>`,
    '<div class="field"><label for="f-login">User login</label><input id="f-login" name="login" type="text" maxlength="64" autocomplete="off" spellcheck="false"></div>',
    '<div class="field"><label for="f-resource">Resource</label><select id="f-resource" name="resourceId"><option value="">All resources</option></select></div>',
    '<div class="actions"><button type="submit" class="primary">Apply</button><button type="reset" class="secondary">Reset</button></div>',
    '</form>',
  ].join('\n');
}

/** The event log, newest first, with filters and the codes-per-hour chart. */
export function eventsPage(ctx: PageContext): string {
  const main = [
    '<div class="page-head"><h1>Event log</h1></div>',
    '<section class="card" aria-labelledby="chart-title">',
    '<h2 id="chart-title">Codes per hour, last 24 hours</h2>',
    '<ul class="legend"><li><span class="swatch sent"></span>Sent</li><li><span class="swatch verified"></span>Verified</li><li><span class="swatch failed"></span>Failed</li></ul>',
    '<div id="chart" class="chart"></div>',
    '</section>',
    filters(),
    '<div id="notice" class="notice-area" role="status" aria-live="polite"></div>',
    '<div id="list" class="list"></div>',
    '<p class="more"><button type="button" id="more" class="secondary" hidden>Older events</button></p>',
  ].join('\n');
  return panelLayout('events', 'Event log', ctx, main);
}
