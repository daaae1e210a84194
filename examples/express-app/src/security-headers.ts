import type { RequestHandler } from 'express';
import { SITE_CSP } from './layout';

/**
 * Headers for every answer of the site. The guard's pages replace the CSP with their own (just as
 * strict), since they carry their own stylesheet.
 */
export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set({
    'Content-Security-Policy': SITE_CSP,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'same-origin',
    'Cross-Origin-Opener-Policy': 'same-origin',
    // Pages show who is signed in and, in dev mode, mailed codes: no cache may keep them.
    'Cache-Control': 'no-store',
  });
  next();
};
