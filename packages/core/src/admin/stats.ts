import type { Protectimus } from '../protectimus';

/** Codes in one clock hour. */
export interface HourStats {
  /** ISO start of the hour. */
  hour: string;
  sent: number;
  verified: number;
  failed: number;
}

const HOUR = 3_600_000;
/** Event-log pages read at most (500 entries each): the log is capped anyway (10000 by default). */
const MAX_PAGES = 40;

/**
 * Codes sent, verified and failed per hour over the last 24 hours (the current hour last),
 * counted from the audit log (`otp.sent`, `otp.verified`, `otp.failed`), newest first until the
 * window's start.
 */
export async function hourlyStats(pm: Protectimus): Promise<{ hours: HourStats[] }> {
  const current = Math.floor(pm.clock.now() / HOUR) * HOUR;
  const start = current - 23 * HOUR;
  const hours: HourStats[] = Array.from({ length: 24 }, (_, i) => ({ hour: new Date(start + i * HOUR).toISOString(), sent: 0, verified: 0, failed: 0 }));
  let before: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { items, next } = await pm.events.list({ limit: 500, ...(before ? { before } : {}) });
    for (const event of items) {
      const at = Date.parse(event.at);
      if (at < start) return { hours };
      const bucket = hours[Math.floor((at - start) / HOUR)];
      if (!bucket) continue;
      if (event.type === 'otp.sent') bucket.sent++;
      else if (event.type === 'otp.verified') bucket.verified++;
      else if (event.type === 'otp.failed') bucket.failed++;
    }
    if (next === null) break;
    before = next;
  }
  return { hours };
}
