/**
 * `register(protectimusMail)` on a Fastify + @fastify/passport app, with no options and no
 * environment: the guard protects the resource 'default' on the development default; the
 * administrator's step (alice's mail token on 'default') is done on that same instance,
 * `defaultProtectimus()`.
 */
import fastifyCookie from '@fastify/cookie';
import fastifyPassport from '@fastify/passport';
import fastifySession from '@fastify/session';
import Fastify from 'fastify';
import { defaultProtectimus, protectimusDevInbox, protectimusMail } from '@protectimus-mail/fastify';
import { deserializeUser, localStrategy, serializeUser, shown } from './users';

fastifyPassport.use('local', localStrategy());
fastifyPassport.registerUserSerializer((user) => new Promise((resolve, reject) => serializeUser(user, (err, id) => (err ? reject(err) : resolve(id)))));
fastifyPassport.registerUserDeserializer((id: string) => new Promise((resolve, reject) => deserializeUser(id, (err, user) => (err ? reject(err) : resolve(user)))));

const app = Fastify();
void app.register(fastifyCookie);
void app.register(fastifySession, { secret: 'scratch-session-secret-of-32-characters', saveUninitialized: false, cookie: { secure: false } });
void app.register(fastifyPassport.initialize());
void app.register(fastifyPassport.secureSession());
app.post('/login', { preValidation: fastifyPassport.authenticate('local') }, async () => ({ ok: true }));
if (process.env.NODE_ENV !== 'production') app.get('/dev/inbox', protectimusDevInbox());

// The guard and the pages it guards, in a plugin of their own.
void app.register(async (site) => {
  await site.register(protectimusMail);
  site.get('/account', async (request) => ({ page: 'account', user: shown(request.user) }));
});

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  // Plugins load here: in production, an incomplete environment stops the start.
  await app.ready();
  const pm = defaultProtectimus();
  const alice = await pm.users.create({ login: 'alice', email: 'alice@example.com' });
  const token = await pm.users.createAndAssignToken(alice.id, { name: 'Alice mail', email: 'alice@example.com' });
  const resource = await pm.resources.create({ name: 'default' });
  await pm.resources.assignTokenWithUser(resource.id, token.id);
  await app.listen({ port, host: '127.0.0.1' });
  console.log(`listening on ${port}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
