import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifySession from '@fastify/session';
import {
  ACCOUNT_PAGES,
  ACCOUNT_RESOURCE,
  ADMIN_PATH,
  buildSite,
  errorPage,
  guardPageOptions,
  inboxPage,
  isAdmin,
  isMember,
  METRICS_PATH,
  notFoundPage,
  renderAccountPage,
  SECURITY_HEADERS,
  STYLESHEET,
  STYLESHEET_HEADERS,
  STYLESHEET_PATH,
  type Site as ExampleSite,
  type SiteConfig,
} from '@protectimus-mail/example-shared';
import { protectimusAdmin, protectimusMail } from '@protectimus-mail/fastify';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { authRoutes, createAuthenticator, requireSignIn } from './auth';
import { currentUser, pageContext, sendPage } from './page-context';
import { createSessions } from './sessions';

/** A built site: the Fastify app and what it runs on, for `main` to print and tests to drive. */
export type Site = ExampleSite<FastifyInstance>;

/**
 * A signed-in member is handed to the panel before the guard, so that its 403 answers him without
 * a code mailed first; an anonymous API client still meets the guard's 401, and the panel checks
 * the role again for everyone else. (The route's handler is the panel's.)
 */
async function membersToPanel(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  if (!isMember(currentUser(request))) return undefined;
  await request.routeOptions.handler.call(this, request, reply);
  return reply;
}

/** The origin form (`/path?query`) of a request target that may be in absolute form. */
function originForm(url: string): string {
  const absolute = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(url);
  if (!absolute) return url;
  const rest = url.slice(absolute[0].length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/**
 * Builds the site from `config` (`buildSite` starts the dev inbox unless an SMTP server is
 * configured and seeds the demo users), assembles the Fastify app and waits until its plugins
 * are loaded. Listening is left to the caller (port 0 in tests).
 */
export async function createSite(config: SiteConfig): Promise<Site> {
  const site = await buildSite(config, ({ pm, inbox, metrics, accounts, homePage, signInPage, onClose }) => {
    const sessions = createSessions(config);
    onClose(() => sessions.close());
    const authenticator = createAuthenticator(accounts);
    const devInbox = inbox !== null;

    // An absolute-form target (`GET http://host/account`) is routed by its path, and read so by
    // everything after: @fastify/session loads no session for a URL that does not start with the
    // cookie's path, and @fastify/passport then fails on the plain object it finds (a 500).
    const app = Fastify({ rewriteUrl: (req) => originForm(req.url ?? '/') });
    onClose(() => app.close());
    // The site's headers go on every answer first; the guard's pages and the admin panel's pages
    // set their own CSP afterwards, which replaces this one (the panel's allows its own script).
    app.addHook('onRequest', (_request, reply, done) => {
      void reply.headers(SECURITY_HEADERS);
      done();
    });
    app.get(STYLESHEET_PATH, (_request, reply) => reply.headers(STYLESHEET_HEADERS).send(STYLESHEET));
    // Prometheus scrapes without a session cookie (none is made for it); only outside production
    // (see examples/shared/src/metrics.ts).
    if (metrics) {
      app.get(METRICS_PATH, async (_request, reply) => {
        const { contentType, body } = await metrics.scrape();
        return reply.type(contentType).send(body);
      });
    }
    void app.register(fastifyCookie);
    void app.register(fastifySession, sessions.options);
    void app.register(authenticator.initialize());
    void app.register(authenticator.secureSession());
    // Forms for the site; the guard and the admin panel read their own posts.
    void app.register(fastifyFormbody, { bodyLimit: 16 * 1024 });

    app.get('/', (request, reply) => sendPage(reply, 200, homePage(pageContext(request, devInbox))));
    authRoutes(app, authenticator, signInPage, devInbox);

    // Everything under /account: password first (requireSignIn), then the mailed code (the guard),
    // as preHandler hooks of the prefixed plugin that holds the pages. Fastify's router matches the
    // prefix and the routes alike (letter for letter, by default), so another spelling of
    // /account finds no page: the site's 404. The guard routes its own URLs there itself.
    // The guard's pages sit inside the site's own header and footer (its `page.layout`).
    const page = guardPageOptions((request: FastifyRequest) => pageContext(request, devInbox));
    void app.register(
      async (account) => {
        account.addHook('preHandler', requireSignIn);
        // The code form offers "Remember this device for 30 days": a remembered browser skips the code.
        await account.register(protectimusMail, { protectimus: pm, resource: ACCOUNT_RESOURCE, rememberDevice: { days: 30 }, page });
        // /account/settings is a risky page: a second guard there (step-up, `maxAge`) asks for a
        // code typed in the last 5 minutes, which a remembered device never is. It tells its
        // requests by the path itself (`area`), so every spelling of /account/settings meets it.
        await account.register(protectimusMail, { protectimus: pm, resource: ACCOUNT_RESOURCE, area: '/account/settings', maxAge: 300, page });
        for (const [path, view] of Object.entries(ACCOUNT_PAGES)) {
          account.get(path, async (request, reply) => sendPage(reply, 200, await renderAccountPage(pm, view, pageContext(request, devInbox))));
        }
      },
      { prefix: '/account' },
    );
    // The admin panel: the same two factors (the same resource, so a code typed for /account opens
    // it too), then protectimusAdmin, which answers 403 to anyone but the admin.
    void app.register(
      async (admin) => {
        admin.addHook('preHandler', requireSignIn);
        admin.addHook('preHandler', membersToPanel);
        await admin.register(protectimusMail, { protectimus: pm, resource: ACCOUNT_RESOURCE, page });
        await admin.register(protectimusAdmin, { protectimus: pm, authorize: (request) => isAdmin(currentUser(request)) });
      },
      { prefix: ADMIN_PATH },
    );
    if (inbox) app.get('/dev/inbox', (request, reply) => sendPage(reply, 200, inboxPage(pageContext(request, devInbox), inbox)));

    app.setNotFoundHandler((request, reply) => sendPage(reply, 404, notFoundPage(pageContext(request, devInbox))));
    // The last word on errors: a plain page that never shows the error itself. Fastify's own
    // refusals (a body too large, bad JSON) carry `statusCode`.
    app.setErrorHandler((err, request, reply) => {
      const statusCode = (err as { statusCode?: unknown }).statusCode;
      const { status, page } = errorPage(typeof statusCode === 'number' && statusCode < 500 ? { status: statusCode } : err, () => pageContext(request, devInbox));
      return sendPage(reply, status, page);
    });
    return { app, handler: (req, res) => app.routing(req, res) };
  });
  try {
    await site.app.ready();
  } catch (err) {
    await site.close();
    throw err;
  }
  return site;
}
