/**
 * The one-line @fastify/passport case: `register(protectimusMail, { enroll: true })` on a Fastify +
 * @fastify/passport + passport-local app whose users have an email, with no environment. Each
 * signed-in user gets a mail token at their address, confirmed by the first code. `/tokens`,
 * behind the guard, is the administrator's view of `defaultProtectimus().tokens.list()`.
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

void app.register(async (site) => {
  await site.register(protectimusMail, { enroll: true });
  site.get('/account', async (request) => ({ page: 'account', user: shown(request.user) }));
  site.get('/tokens', async () => {
    const { items } = await defaultProtectimus().tokens.list();
    return items.map((t) => ({ email: t.email, userId: t.userId, confirmed: t.confirmedAt !== null }));
  });
});

const port = Number(process.env.PORT ?? 3000);
app.listen({ port, host: '127.0.0.1' }).then(
  () => console.log(`listening on ${port}`),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
