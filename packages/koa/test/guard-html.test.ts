import { request as httpRequest } from 'node:http';
import type { Protectimus } from '../../core/src/protectimus';
import { agentOf, BROWSER, csrfFrom, http, listen, makeApp, PASSWORD, sessionCookie, type Mount, type Parsers } from './support/app';
import { freshUser, nextCode, startWorld, wrongCode, type World } from './support/world';

let world: World;
let pm: Protectimus;
beforeAll(async () => {
  world = await startWorld('redis');
  pm = world.make();
});
afterAll(() => world.close());

async function signedIn(parsers: Parsers = 'none', mount: Mount = 'router') {
  const user = await freshUser(pm, { pin: '4321', pinPosition: 'before' });
  const app = makeApp({ guard: { protectimus: pm, resource: user.resourceName }, parsers, mount });
  const agent = agentOf(app);
  await agent.post('/login').send({ username: user.login, password: PASSWORD }).expect(200);
  return { user, agent };
}

describe.each(['none', 'both'] as const)('guard (HTML pages, @koa/bodyparser: %s)', (parsers) => {
  it('answers a browser with the code page and a CSRF form, and a form post with the token goes back to the page first asked for', async () => {
    const { user, agent } = await signedIn(parsers);
    const page = await agent.get('/billing/invoices?month=5').set('Accept', BROWSER).expect(401);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toContain('<form method="post" action="/billing/_otp/verify">');
    expect(page.text).toContain('<form class="resend" method="post" action="/billing/_otp/resend">');
    expect(page.text).toContain('PIN');
    const csrf = csrfFrom(page.text);
    const code = await nextCode(world, user.email);

    const res = await agent.post('/billing/_otp/verify').set('Accept', BROWSER).type('form').send({ otp: `4321${code}`, _csrf: csrf }).expect(303);
    expect(res.headers.location).toBe('/billing/invoices?month=5');
    expect((await agent.get('/billing/invoices?month=5').set('Accept', BROWSER).expect(200)).body.user).toBe(user.login);
  });

  it('refuses a form post without the CSRF token (403) or with another one, and counts no attempt', async () => {
    const { user, agent } = await signedIn(parsers);
    const page = await agent.get('/billing/invoices').set('Accept', BROWSER).expect(401);
    const code = `4321${await nextCode(world, user.email)}`;
    const without = await agent.post('/billing/_otp/verify').set('Accept', BROWSER).type('form').send({ otp: code }).expect(403);
    expect(without.headers['content-type']).toBe('text/html; charset=utf-8');
    await agent.post('/billing/_otp/verify').set('Accept', BROWSER).type('form').send({ otp: code, _csrf: 'x'.repeat(43) }).expect(403);
    // A script posting the form but asking for JSON gets the protocol's JSON.
    const json = await agent.post('/billing/_otp/verify').set('Accept', 'application/json').type('form').send({ otp: code }).expect(403);
    expect(json.body).toEqual({ error: 'csrf_failed' });
    await agent.post('/billing/_otp/verify').set('Accept', BROWSER).type('form').send({ otp: code, _csrf: csrfFrom(page.text) }).expect(303);
  });

  it('shows the page again with the refusal after a wrong code (401), and the resend form posts back (429 too soon)', async () => {
    const { user, agent } = await signedIn(parsers);
    const page = await agent.get('/billing/invoices').set('Accept', BROWSER).expect(401);
    const csrf = csrfFrom(page.text);
    const code = await nextCode(world, user.email);
    const wrong = await agent.post('/billing/_otp/verify').set('Accept', BROWSER).type('form').send({ otp: `4321${wrongCode(code)}`, _csrf: csrf }).expect(401);
    expect(wrong.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(wrong.text).toContain('role="alert"');
    expect(wrong.text).toContain('2 attempts left');
    expect(wrong.text).toContain('action="/billing/_otp/verify"');
    const resend = await agent.post('/billing/_otp/resend').set('Accept', BROWSER).type('form').send({ _csrf: csrf }).expect(429);
    expect(resend.headers['retry-after']).toBe('30');

    world.clock.advanceSeconds(30);
    const sent = await agent.post('/billing/_otp/resend').set('Accept', BROWSER).type('form').send({ _csrf: csrf }).expect(303);
    expect(sent.headers.location).toBe('/billing/invoices');
    const again = await agent.get('/billing/invoices').set('Accept', BROWSER).expect(401);
    expect(again.text).toContain('A new code is on its way.');
    await agent.post('/billing/_otp/verify').set('Accept', BROWSER).type('form').send({ otp: `4321${await nextCode(world, user.email)}`, _csrf: csrf }).expect(303);
  });
});

describe('guard (HTML): refusals a user cannot fix by typing', () => {
  it('answers a browser without a first factor with the sign-in-first page (401)', async () => {
    const user = await freshUser(pm);
    const res = await http(makeApp({ guard: { protectimus: pm, resource: user.resourceName } }))
      .get('/billing/invoices')
      .set('Accept', BROWSER)
      .expect(401);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).toContain('Sign in first');
    expect(res.text).not.toContain('<form');
  });

  it('answers a blocked user with the blocked page (403)', async () => {
    const { user, agent } = await signedIn();
    await pm.users.block(user.user.id);
    const res = await agent.get('/billing/invoices').set('Accept', BROWSER).expect(403);
    expect(res.text).toContain('Sign-in blocked');
  });
});

describe('guard (HTML): where the 303 goes', () => {
  /**
   * Signs a new user in on a root-mounted guard, asks for `target` as a browser would (raw), posts
   * the right code from that page and answers where the 303 went.
   */
  async function locationAfter(target: string): Promise<string | undefined> {
    const user = await freshUser(pm);
    const app = makeApp({ guard: { protectimus: pm, resource: user.resourceName }, mount: 'root' });
    const server = await listen(app);
    try {
      const login = await http(server.server).post('/login').send({ username: user.login, password: PASSWORD }).expect(200);
      const cookie = sessionCookie(login);
      if (!cookie) throw new Error('no session cookie');
      // supertest would normalise these targets; a raw request sends them as an attacker's link does.
      const page = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: server.port, path: target, headers: { Accept: BROWSER, Cookie: cookie } }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
      expect(page.status).toBe(401);
      const code = await nextCode(world, user.email);
      const res = await http(server.server)
        .post('/_otp/verify')
        .set('Cookie', cookie)
        .set('Accept', BROWSER)
        .type('form')
        .send({ otp: code, _csrf: csrfFrom(page.body) })
        .expect(303);
      return res.headers.location;
    } finally {
      await server.close();
    }
  }

  it.each(['//evil.example', '//evil.example/x?y=1', 'https://evil.example/', '/\\evil.example', '/\\/evil.example'])(
    'refuses to send the browser to %s: it goes to the mount root',
    async (target) => expect(await locationAfter(target)).toBe('/'),
  );

  it('goes back to a same-origin path asked for the same way', async () => {
    expect(await locationAfter('/invoices?y=1&z=%2F%2Fx')).toBe('/invoices?y=1&z=%2F%2Fx');
  });

  it('goes to the mount root when the code page was not asked for by a GET', async () => {
    // koa-mount runs the guard for every method; @koa/router runs it only on paths and methods it has a route for.
    const { user, agent } = await signedIn('none', 'koa-mount');
    const csrf = csrfFrom((await agent.post('/billing/invoices').set('Accept', BROWSER).expect(401)).text);
    const res = await agent
      .post('/billing/_otp/verify')
      .set('Accept', BROWSER)
      .type('form')
      .send({ otp: `4321${await nextCode(world, user.email)}`, _csrf: csrf })
      .expect(303);
    expect(res.headers.location).toBe('/billing');
  });
});
