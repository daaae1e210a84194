/**
 * Where the 303 after a form post sends the browser: back to the page first asked for when it is
 * a path of this site, else to the mount root. Never to another site (no open redirect).
 */
import { adapters, agentOf, BROWSER, csrfFrom, freshUser, http, listen, nextCode, rawGet, signedIn, signIn, useWorld, type Adapter } from './harness';

const env = useWorld();

/**
 * Signs a new user in on a root-mounted guard, asks for `target` as a browser would (sent raw),
 * posts the right code from that page and answers where the 303 went.
 */
async function locationAfter(adapter: Adapter, target: string): Promise<string | undefined> {
  const user = await freshUser(env.pm);
  const server = await listen(adapter.makeApp({ guard: { protectimus: env.pm, resource: user.resourceName }, mount: 'root' }));
  try {
    const cookie = adapter.sessionCookie(await signIn(agentOf(server.url), user.login));
    if (!cookie) throw new Error('no session cookie');
    const page = await rawGet(server.port, target, { Accept: BROWSER, Cookie: cookie });
    expect(page.status).toBe(401);
    const code = await nextCode(env.world, user.email);
    const res = await http(server.url).post('/_otp/verify').set('Cookie', cookie).set('Accept', BROWSER).type('form').send({ otp: code, _csrf: csrfFrom(page.body) }).expect(303);
    return res.headers.location;
  } finally {
    await server.close();
  }
}

/** The answer to `target` (sent raw) for a signed-in user's session cookie on a root-mounted guard. */
async function anonymousAnswer(adapter: Adapter, target: string): Promise<{ status: number; body: string }> {
  const user = await freshUser(env.pm);
  const server = await listen(adapter.makeApp({ guard: { protectimus: env.pm, resource: user.resourceName }, mount: 'root' }));
  try {
    const cookie = adapter.sessionCookie(await signIn(agentOf(server.url), user.login));
    return await rawGet(server.port, target, { Accept: 'application/json', Cookie: cookie ?? '' });
  } finally {
    await server.close();
  }
}

describe.each(adapters)('$name: where the 303 goes', (adapter) => {
  it.each(['//evil.example', '//evil.example/x?y=1', 'https://evil.example/', '/\\evil.example', '/\\/evil.example'])(
    'refuses to send the browser to %s: it goes to the mount root',
    async (target) => {
      if (adapter.name === 'fastify' && target.startsWith('https:')) {
        // @fastify/session loads no session for a target whose path does not start with the
        // cookie's path (an absolute-form `https://evil.example/`): the request is nobody's, so
        // it is refused before any code page, and there is no form to post from.
        expect(await anonymousAnswer(adapter, target)).toEqual({ status: 401, body: '{"error":"unauthenticated"}' });
        return;
      }
      expect(await locationAfter(adapter, target)).toBe('/');
    },
  );

  it('goes back to a same-origin path asked for the same way', async () => {
    expect(await locationAfter(adapter, '/invoices?y=1&z=%2F%2Fx')).toBe('/invoices?y=1&z=%2F%2Fx');
  });

  it('goes to the mount root when the code page was not asked for by a GET', async () => {
    const { user, agent } = await signedIn(env.pm, (guard) => adapter.makeApp({ guard }));
    const csrf = csrfFrom((await agent.post('/billing/invoices').set('Accept', BROWSER).expect(401)).text);
    const res = await agent.post('/billing/_otp/verify').set('Accept', BROWSER).type('form').send({ otp: await nextCode(env.world, user.email), _csrf: csrf }).expect(303);
    expect(res.headers.location).toBe('/billing');
  });
});
