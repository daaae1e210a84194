/**
 * `ProtectimusMailStrategy` under @fastify/passport after passport-local, as
 * packages/fastify/README.md shows it: the code is the second step of the sign-in, `request.user`
 * is kept, and the session it verifies passes the guard on the same resource. No environment: the
 * development default.
 */
import fastifyCookie from '@fastify/cookie';
import fastifyPassport from '@fastify/passport';
import fastifySession from '@fastify/session';
import Fastify from 'fastify';
import { defaultProtectimus, protectimusDevInbox, protectimusMail, ProtectimusMailStrategy } from '@protectimus-mail/fastify';
import { deserializeUser, localStrategy, serializeUser, shown } from './users';

fastifyPassport.use('local', localStrategy());
// Core's strategy is typed without passport-strategy's (Express) typings: hence the cast.
fastifyPassport.use('protectimus-mail', new ProtectimusMailStrategy({ resource: 'billing' }) as never);
fastifyPassport.registerUserSerializer((user) => new Promise((resolve, reject) => serializeUser(user, (err, id) => (err ? reject(err) : resolve(id)))));
fastifyPassport.registerUserDeserializer((id: string) => new Promise((resolve, reject) => deserializeUser(id, (err, user) => (err ? reject(err) : resolve(user)))));

const app = Fastify();
// @fastify/passport throws its AuthenticationError with failWithError; the body is in request.authInfo.
app.setErrorHandler((err, request, reply) => {
  if ((err as { name?: string }).name !== 'AuthenticationError') return reply.send(err);
  return reply.code((err as { status?: number }).status ?? 401).send(request.authInfo ?? { error: 'unauthenticated' });
});
void app.register(fastifyCookie);
void app.register(fastifySession, { secret: 'scratch-session-secret-of-32-characters', saveUninitialized: false, cookie: { secure: false } });
void app.register(fastifyPassport.initialize());
void app.register(fastifyPassport.secureSession());
if (process.env.NODE_ENV !== 'production') app.get('/dev/inbox', protectimusDevInbox());
void app.register(protectimusMail, { resource: 'billing', area: '/billing' });

app.post('/login', { preValidation: fastifyPassport.authenticate('local') }, async () => ({ ok: true }));
app.post('/login/otp', { preValidation: fastifyPassport.authenticate('protectimus-mail', { failWithError: true }) }, async (request) => ({ ok: true, user: shown(request.user) }));
app.get('/billing/invoices', async (request) => ({ page: 'invoices', user: shown(request.user) }));

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  await app.ready();
  // The administrator's step: alice's mail token on 'billing'.
  const pm = defaultProtectimus();
  const alice = await pm.users.create({ login: 'alice', email: 'alice@example.com' });
  const token = await pm.users.createAndAssignToken(alice.id, { name: 'Alice mail', email: 'alice@example.com' });
  const billing = await pm.resources.create({ name: 'billing' });
  await pm.resources.assignTokenWithUser(billing.id, token.id);
  await app.listen({ port, host: '127.0.0.1' });
  console.log(`listening on ${port}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
