import { runSite } from '@protectimus-mail/example-shared';
import { createSite } from './app';

/** `npm run start:koa`: the example site on Koa, on PORT (3000), with the dev inbox unless SMTP_URL is set. */
runSite('protectimus-mail example on Koa: a password, then a code mailed to your mail token', createSite);
