import { csrfToken } from '../web/request';
import { eventQuery } from './query';
import { json } from '../web/answer';
import type { ApiRoute } from './routes';
import { hourlyStats } from './stats';

/** The event log, its hourly chart, and the session's CSRF token. */
export const eventRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: 'events',
    async run({ pm, req }) {
      return json(200, await pm.events.list(eventQuery(req.query)));
    },
  },
  {
    method: 'GET',
    path: 'stats/hourly',
    async run({ pm }) {
      return json(200, await hourlyStats(pm));
    },
  },
  {
    // Readable only by this origin's scripts (no CORS), so handing it out does not help a forger.
    method: 'GET',
    path: 'csrf',
    async run({ req }) {
      return json(200, { csrf: csrfToken(req.session) });
    },
  },
];
