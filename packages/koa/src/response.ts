import type { Answer } from '@protectimus-mail/core/adapter';
import type { Context } from 'koa';

/** Writes an answer; `vary` keeps what other middleware added (compression's Accept-Encoding). */
export function writeAnswer(ctx: Context, answer: Answer): void {
  // A failure after the app began answering (none is expected) must not corrupt that answer.
  if (ctx.headerSent) return;
  ctx.status = answer.status;
  for (const [name, value] of Object.entries(answer.headers)) {
    if (name.toLowerCase() === 'vary') ctx.vary(value);
    else ctx.set(name, value);
  }
  // Koa would turn an empty string into a 200 with a body; a 204 has none.
  ctx.body = answer.status === 204 ? null : answer.body;
}
