import type { GuardResponse } from '@protectimus-mail/core';
import type { Response } from 'express';

/** Writes a guard answer as is: `end` rather than `send`, so no ETag and no 304 for a no-store answer. */
export function writeAnswer(res: Response, answer: Extract<GuardResponse, { action: 'respond' }>): void {
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
