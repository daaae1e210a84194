import { fields } from '../validation';

/** `{ minutes? }` of a block: omitted or null blocks until an administrator unblocks. */
export function blockOptions(body: Record<string, unknown>): { minutes?: number } {
  const f = fields(body, ['minutes'], 'body');
  // The model checks the range (1 minute to a year).
  return f.minutes === undefined || f.minutes === null ? {} : { minutes: f.minutes as number };
}
