/**
 * Other spellings of the example sites' protected paths: `/account/...` and `/admin/...` written
 * in capitals, with `//`, dot segments, `%xx`, `%2F`, `;params`, a backslash, the absolute form,
 * or around the guard's own `/_otp/` URLs. Sent raw (supertest would normalise some of them), as
 * GET and HEAD, by bob and by alice with only the password done and by an anonymous client: each
 * is refused (401, 403, 404, or the own URLs' 405), never a page of the area and never a 5xx. Each
 * site's route tests register these cases inside their own `describe`.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Site } from '@protectimus-mail/example-shared';
import request from 'supertest';
import { DEMO, passBothFactors, sessionCookie, signIn } from './site-helpers';

/**
 * Refusals: not signed in or a code asked for, forbidden, no such page, the own URLs' 405 to a GET,
 * and the 429 the guard gives one session's flood of requests (the table sends many).
 */
const REFUSED = [401, 403, 404, 405, 429];

/** `[what the attacker tries, the target sent as is]`. */
const ACCOUNT_SPELLINGS: [string, string][] = [
  // A case-insensitive route still matches a shouted path, where a prefix compared letter for letter did not.
  ['the mount in capitals', '/ACCOUNT/settings'],
  ['each segment capitalised', '/Account/Settings'],
  ['the area root in capitals', '/ACCOUNT'],
  ['the area root capitalised, with a trailing slash', '/Account/'],
  // Empty segments, which some layers collapse.
  ['a doubled slash inside', '/account//settings'],
  ['a doubled leading slash', '//account/settings'],
  ['a trailing slash', '/account/settings/'],
  // Dot segments, resolved by some layers and not by others.
  ['a detour from outside', '/x/../account/settings'],
  ['a `.` segment', '/account/./settings'],
  ['encoded dot segments from outside', '/x/%2e%2e/account/settings'],
  // The same letters as %xx bytes, and a slash as %2F.
  ['the first letter as %xx', '/%61ccount/settings'],
  ['the mount in capitals as %XX', '/%41CCOUNT/settings'],
  ['a letter of the page as %xx', '/account/%73ettings'],
  ['the slash as %2F', '/account%2Fsettings'],
  ['the mount in capitals and the slash as %2F', '/ACCOUNT%2Fsettings'],
  // Matrix parameters and a backslash.
  ['a ;param on the mount', '/account;a=b/settings'],
  ['a backslash for the slash', '/account\\settings'],
  // The absolute form of the request target.
  ['the absolute form in capitals', 'http://127.0.0.1/ACCOUNT/settings'],
  // A host in front, which `new URL(url, base)` takes for the host, routing the rest.
  ['a protocol-relative host in front', '//evil.example/account/settings'],
  // The guard's own URLs are answered at their exact spelling only: none of these reaches a page.
  ['the own URL in capitals', '/account/_OTP/verify'],
  ['the own URL under the mount in capitals', '/ACCOUNT/_otp/verify'],
  ['climbing out of the own URLs to a page', '/account/_otp/../settings'],
  ['the own URL with a trailing slash', '/account/_otp/verify/'],
  ['the own URL through a detour', '/account/_otp/../_otp/verify'],
];

const ADMIN_SPELLINGS: [string, string][] = [
  ['the panel in capitals', '/ADMIN'],
  ['the panel capitalised', '/Admin'],
  ['the API under the mount in capitals', '/ADMIN/api/tokens'],
  ['the API under the mount capitalised', '/Admin/api/tokens'],
  ['a doubled slash inside', '/admin//api/tokens'],
  ['a doubled leading slash', '//admin/api/tokens'],
  ['a detour from outside', '/x/../admin/api/tokens'],
  ['the mount as %xx', '/%61dmin/api/tokens'],
  ['the slashes as %2F', '/admin%2Fapi%2Ftokens'],
  ['a ;param on the mount', '/admin;a=b/api/tokens'],
  ['the absolute form in capitals', 'http://127.0.0.1/ADMIN/api/tokens'],
  ['the own URL under the mount in capitals', '/ADMIN/_otp/verify'],
];

interface Raw {
  status: number;
  body: string;
}

/** `method target`, sent as is to the site on a real port. */
async function rawRequest(site: Site<unknown>, method: string, target: string, headers: Record<string, string>): Promise<Raw> {
  const server = createServer(site.handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<Raw>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method, path: target, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** The spellings, GET and HEAD, whose answer is not a refusal. */
async function unrefused(site: Site<unknown>, spellings: [string, string][], headers: Record<string, string>): Promise<string[]> {
  const wrong: string[] = [];
  for (const [attack, target] of spellings) {
    for (const method of ['GET', 'HEAD']) {
      const res = await rawRequest(site, method, target, headers);
      if (!REFUSED.includes(res.status)) wrong.push(`${method} ${target} (${attack}): ${res.status} ${res.body.slice(0, 80)}`);
    }
  }
  return wrong;
}

export function pathSpellingCases(getSite: () => Site<unknown>): void {
  const JSON_ACCEPT = { Accept: 'application/json' };

  test('other spellings of /account and /admin: refused to bob and alice with only the password, and to anonymous clients', async () => {
    const site = getSite();
    const everything = [...ACCOUNT_SPELLINGS, ...ADMIN_SPELLINGS];
    for (const login of ['bob', 'alice'] as const) {
      const cookie = sessionCookie(await signIn(request.agent(site.handler), login, DEMO[login].password));
      expect(await unrefused(site, everything, { ...JSON_ACCEPT, Cookie: cookie })).toEqual([]);
      // A browser with only the password gets the code page, not the profile.
      expect(await unrefused(site, ACCOUNT_SPELLINGS.slice(0, 4), { Accept: 'text/html', Cookie: cookie })).toEqual([]);
    }
    expect(await unrefused(site, everything, JSON_ACCEPT)).toEqual([]);
  });

  test('the canonical spellings still open after both factors; other spellings never fail', async () => {
    const site = getSite();
    const agent = request.agent(site.handler);
    const cookie = sessionCookie(await passBothFactors(site, agent, 'bob'));
    const settings = await agent.get('/account/settings').set('Accept', 'text/html').expect(200);
    expect(settings.text).toContain('Bob mail');
    for (const [attack, target] of [...ACCOUNT_SPELLINGS, ...ADMIN_SPELLINGS]) {
      const res = await rawRequest(site, 'GET', target, { ...JSON_ACCEPT, Cookie: cookie });
      expect([attack, res.status < 500]).toEqual([attack, true]);
    }
  });
}
