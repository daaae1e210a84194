import { runSite } from '@protectimus-mail/example-shared';
import { createSite } from './app';

/** `npm start`: the example site on PORT (3000), with the dev inbox unless SMTP_URL is set. */
runSite('protectimus-mail example: a password, then a code mailed to your mail token', createSite);
