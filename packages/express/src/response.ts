import type { Answer } from '@protectimus-mail/core/adapter';
import type { Response } from 'express';

/** Writes an answer as is: `end` rather than `send`, so no ETag and no 304 for a no-store answer. */
export function writeAnswer(res: Response, answer: Answer): void {
  // A failure after the app began answering (none is expected) must not corrupt that answer.
  if (res.headersSent) return;
  res.status(answer.status);
  for (const [name, value] of Object.entries(answer.headers)) {
    // Keep what other middleware added to Vary (compression's Accept-Encoding).
    if (name.toLowerCase() === 'vary') res.vary(value);
    else res.setHeader(name, value);
  }
  res.end(answer.body);
}
