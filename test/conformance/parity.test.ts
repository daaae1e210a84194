/**
 * One scripted journey through the guard, run on each adapter against its own store and its own
 * fake clock (started at the same instant): every answer, the guard's and the app's, is recorded
 * as (status, content type, the guard's headers, body), and the adapters must agree byte for byte
 * once timestamps and CSRF tokens are normalized.
 */
import type Redis from 'ioredis';
import type { Agent, Response } from 'supertest';
import type { Protectimus } from '../../packages/core/src/protectimus';
import { RedisStore } from '../../packages/core/src/stores/redis';
import { adapters, agentOf, BROWSER, csrfFrom, deadRedis, FakeClock, nextCode, noMail, PASSWORD, seedUser, signIn, useWorld, wrongCode, type Adapter } from './harness';

const env = useWorld();

const LOGIN = 'journey-user';
const PIN = '2468';

/** What one adapter's run needs: its clients, its instance and clock, the last code mailed and the page's CSRF token. */
interface Journey {
  agent: Agent;
  /** Signed in to an app guarding a resource the user has no token on. */
  elsewhere: Agent;
  /** Signed in to an app guarding a resource that only allows other addresses. */
  outside: Agent;
  /** Signed in to an app over a store whose Redis is unreachable. */
  down: Agent;
  pm: Protectimus;
  clock: FakeClock;
  userId: string;
  code: string;
  csrf: string;
}

interface Step {
  label: string;
  status: number;
  /** The step mails a code: read it into `code` after. */
  mails?: boolean;
  run(j: Journey): PromiseLike<Response>;
}

const page = (j: Journey) => j.agent.get('/billing/invoices');
const browse = (j: Journey) => j.agent.get('/billing/invoices').set('Accept', BROWSER);
/** A page load that keeps the page's CSRF token for the form posts after it (a grant makes a new one). */
const browseForForm = async (j: Journey) => {
  const res = await browse(j);
  j.csrf = csrfFrom(res.text);
  return res;
};
const verify = (j: Journey, otp: unknown) => j.agent.post('/billing/_otp/verify').send({ otp });
const verifyForm = (j: Journey, otp: string) => j.agent.post('/billing/_otp/verify').set('Accept', BROWSER).type('form').send({ otp, _csrf: j.csrf });
const later = async (j: Journey, seconds: number, then: () => PromiseLike<Response>) => (j.clock.advanceSeconds(seconds), then());

const JOURNEY: Step[] = [
  { label: 'page, nobody signed in', status: 401, run: page },
  { label: 'page as a browser, nobody signed in', status: 401, run: browse },
  { label: 'sign in (the app)', status: 200, run: (j) => j.agent.post('/login').send({ login: LOGIN, password: PASSWORD }) },
  { label: 'page of a resource the user has no token on', status: 403, run: (j) => j.elsewhere.get('/billing/invoices') },
  { label: 'page as a browser, resource the user has no token on', status: 403, run: (j) => j.elsewhere.get('/billing/invoices').set('Accept', BROWSER) },
  { label: 'page of a resource closed to this address', status: 403, run: (j) => j.outside.get('/billing/invoices') },
  { label: 'page as a browser, resource closed to this address', status: 403, run: (j) => j.outside.get('/billing/invoices').set('Accept', BROWSER) },
  { label: 'page: a code is mailed', status: 401, mails: true, run: page },
  { label: 'page as a browser: the open code reused', status: 401, run: browseForForm },
  { label: 'GET of the verify URL', status: 405, run: (j) => j.agent.get('/billing/_otp/verify') },
  { label: 'GET of the resend URL', status: 405, run: (j) => j.agent.get('/billing/_otp/resend') },
  { label: 'verify, otp not a string', status: 400, run: (j) => verify(j, 12345678) },
  { label: 'verify, malformed JSON', status: 400, run: (j) => j.agent.post('/billing/_otp/verify').set('Content-Type', 'application/json').send('{"otp": "12') },
  { label: 'verify as a form, no CSRF token, asking for JSON', status: 403, run: (j) => j.agent.post('/billing/_otp/verify').set('Accept', 'application/json').type('form').send({ otp: PIN + j.code }) },
  { label: 'verify as a form, no CSRF token, as a browser', status: 403, run: (j) => j.agent.post('/billing/_otp/verify').set('Accept', BROWSER).type('form').send({ otp: PIN + j.code }) },
  { label: 'verify, the code without the PIN', status: 401, run: (j) => verify(j, j.code) },
  { label: 'resend too soon', status: 429, run: (j) => j.agent.post('/billing/_otp/resend').send({}) },
  { label: 'resend as a browser, too soon: 303 back', status: 303, run: (j) => j.agent.post('/billing/_otp/resend').set('Accept', BROWSER).type('form').send({ _csrf: j.csrf }) },
  { label: 'page as a browser: the cooldown told, once', status: 401, run: browse },
  { label: 'resend after the cooldown', status: 202, mails: true, run: (j) => later(j, 30, () => j.agent.post('/billing/_otp/resend').send({})) },
  { label: 'verify as a browser, wrong code: 303 back', status: 303, run: (j) => verifyForm(j, PIN + wrongCode(j.code)) },
  { label: 'page as a browser: the wrong code told, a newer code was sent', status: 401, run: browse },
  { label: 'verify, right PIN and code typed in groups', status: 200, run: (j) => verify(j, `${PIN} ${j.code.slice(0, 4)}-${j.code.slice(4)}`) },
  { label: 'page: verified, the app answers', status: 200, run: page },
  { label: 'page as a browser: verified', status: 200, run: browse },
  { label: 'verify again (double submit)', status: 200, run: (j) => verify(j, PIN + j.code) },
  { label: 'page once verifiedFor is over', status: 401, mails: true, run: (j) => later(j, 28801, () => page(j)) },
  { label: 'page as a browser: the open code reused', status: 401, run: browseForForm },
  { label: 'verify once the code has expired', status: 401, run: (j) => later(j, 301, () => verify(j, PIN + j.code)) },
  { label: 'verify as a browser once the code has expired: 303 back', status: 303, run: (j) => verifyForm(j, PIN + j.code) },
  { label: 'page as a browser: the code expired, nothing mailed', status: 401, run: browse },
  { label: 'page: a new code', status: 401, mails: true, run: page },
  { label: 'wrong code 1', status: 401, run: (j) => verify(j, PIN + wrongCode(j.code)) },
  { label: 'wrong code 2', status: 401, run: (j) => verify(j, PIN + wrongCode(j.code)) },
  { label: 'wrong code 3: the token locks', status: 403, run: (j) => verify(j, PIN + wrongCode(j.code)) },
  { label: 'page while locked', status: 403, run: page },
  { label: 'page as a browser while locked', status: 403, run: browse },
  { label: 'resend while locked', status: 403, run: (j) => j.agent.post('/billing/_otp/resend').send({}) },
  { label: 'page as a browser once the lock is over', status: 401, mails: true, run: (j) => later(j, 301, () => browseForForm(j)) },
  { label: 'verify as a browser, right code: 303', status: 303, run: (j) => verifyForm(j, PIN + j.code) },
  {
    label: 'page once verifiedFor is over, the mail server refusing',
    status: 502,
    run: (j) => later(j, 28801, () => (env.world.smtp.refuseNext(1), page(j))),
  },
  {
    label: 'page as a browser, the mail server refusing',
    status: 502,
    run: (j) => (env.world.smtp.refuseNext(1), browse(j)),
  },
  { label: 'page once the mail server is back', status: 401, mails: true, run: (j) => later(j, 31, () => page(j)) },
  { label: 'page, the user blocked by an administrator', status: 403, run: async (j) => (await j.pm.users.block(j.userId), page(j)) },
  { label: 'page as a browser, the user blocked', status: 403, run: browse },
  {
    label: 'page, past 30 guard requests of the session in a minute',
    status: 429,
    run: async (j) => {
      j.clock.advanceSeconds(60);
      for (let i = 0; i < 30; i++) await page(j);
      return later(j, 5, () => page(j));
    },
  },
  { label: 'page as a browser, past the limit', status: 429, run: browse },
  { label: 'verify, past the limit', status: 429, run: (j) => verify(j, PIN + j.code) },
  { label: 'page, Redis unreachable', status: 503, run: (j) => j.down.get('/billing/invoices') },
  { label: 'page as a browser, Redis unreachable', status: 503, run: (j) => j.down.get('/billing/invoices').set('Accept', BROWSER) },
  { label: 'verify, Redis unreachable', status: 503, run: (j) => j.down.post('/billing/_otp/verify').send({ otp: '12345678' }) },
];

/** The headers the guard sets, compared between the adapters. */
const HEADERS = ['content-type', 'cache-control', 'x-content-type-options', 'vary', 'content-security-policy', 'x-frame-options', 'referrer-policy', 'retry-after', 'allow', 'location'];

interface Answer {
  step: string;
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

/** The body with each timestamp made relative to the clocks' start, and each CSRF token masked. */
function normalized(body: string, start: number): string {
  return body
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g, (iso) => `<start+${(Date.parse(iso) - start) / 1000}s>`)
    .replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value="<csrf>"');
}

let client: Redis;
beforeAll(() => {
  client = deadRedis();
});
afterAll(() => (client.status === 'end' ? undefined : client.disconnect()));

async function run(adapter: Adapter): Promise<Answer[]> {
  // Its own store and clock: the two runs start from the same state at the same instant.
  const clock = new FakeClock();
  const pm = env.world.make({ clock }, true);
  const seeded = await seedUser(pm, { login: LOGIN, otpLength: 8, pin: PIN, pinPosition: 'before', resource: { failedAttemptsBeforeLock: 3 } });
  const other = await pm.resources.create({ name: 'no-token-here' });
  const office = await pm.resources.create({ name: 'office-only', allowedIps: ['10.0.0.0/8'] });
  await pm.resources.assignTokenWithUser(office.id, seeded.token.id);
  const down = env.world.make({ clock, store: new RedisStore({ client, prefix: env.world.prefix }) });
  const agentFor = async (protectimus: Protectimus, resource: string) => {
    const agent = agentOf(adapter.makeApp({ guard: { protectimus, resource, onError: () => undefined } }));
    await signIn(agent, LOGIN);
    return agent;
  };
  const j: Journey = {
    agent: agentOf(adapter.makeApp({ guard: { protectimus: pm, resource: seeded.resource.name, onError: () => undefined } })),
    elsewhere: await agentFor(pm, other.name),
    outside: await agentFor(pm, office.name),
    down: await agentFor(down, seeded.resource.name),
    pm,
    clock,
    userId: seeded.user.id,
    code: '',
    csrf: '',
  };
  const start = clock.now();
  const answers: Answer[] = [];
  for (const step of JOURNEY) {
    const res = await step.run(j);
    const answer = { step: step.label, status: res.status, headers: Object.fromEntries(HEADERS.map((h) => [h, res.headers[h] as string | undefined])), body: normalized(res.text, start) };
    answers.push(answer);
    expect({ step: answer.step, status: answer.status }).toEqual({ step: step.label, status: step.status });
    if (step.mails) j.code = await nextCode(env.world, seeded.email);
  }
  // Every mail was read: none is left over for the next run.
  await noMail(env.world, seeded.email, 200);
  return answers;
}

describe('the same journey on every adapter', () => {
  const runs = new Map<string, Answer[]>();

  it.each(adapters)('$name runs it with the expected statuses', async (adapter) => {
    runs.set(adapter.name, await run(adapter));
  });

  it('gives the same statuses, content types, guard headers and bodies, byte for byte', () => {
    const [express, koa, fastify] = [runs.get('express'), runs.get('koa'), runs.get('fastify')];
    expect(express).toHaveLength(JOURNEY.length);
    expect(koa).toEqual(express);
    expect(fastify).toEqual(express);
    // JSON answers are compared as bytes above; check they are the protocol's JSON indeed.
    const json = express!.filter((a) => a.headers['content-type']?.startsWith('application/json'));
    expect(json.length).toBeGreaterThan(20);
    for (const a of json) expect(() => JSON.parse(a.body) as unknown).not.toThrow();
  });
});
