import { runSite } from '@protectimus-mail/example-shared';
import { createSite } from './app';

/** `npm run start:fastify`: the example site on Fastify, on PORT (3000), with the dev inbox unless SMTP_URL is set. */
runSite('protectimus-mail example on Fastify: a password, then a code mailed to your mail token', createSite);
