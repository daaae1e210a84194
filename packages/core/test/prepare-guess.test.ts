import type { Redis } from 'ioredis';
import type { CodeMail } from '../src/mail/mailer';
import { createProtectimus, type Protectimus } from '../src/protectimus';
import { RedisStore } from '../src/stores/redis';
import { FakeClock } from './support/clock';
import { seedUser, SECRET } from './support/protectimus';
import { redisFixture } from './support/redis';
import { refusal } from './support/refusal';

// `prepare` guesses the HOTP counter a token gets next from the last one it saw, so a send is one
// store step instead of two. Two processes on one Redis make the guesses go wrong on purpose.

const fx = redisFixture();
afterAll(() => fx.cleanup());

interface Node {
  pm: Protectimus;
  mails: CodeMail[];
  scripts: () => number;
}

function node(clock: FakeClock): Node {
  const mails: CodeMail[] = [];
  const client: Redis = fx.client();
  let scripts = 0;
  const original = client.sendCommand.bind(client);
  client.sendCommand = (command, stream) => {
    // The audit log's write goes out up to 10 ms later, in or out of the window: not counted.
    if (command.name === 'evalsha' && !String(command.args[2]).includes('{ev}')) scripts++;
    return original(command, stream);
  };
  const store = new RedisStore({ client, prefix: fx.prefix });
  const pm = createProtectimus({ store, secret: SECRET, clock, mail: { send: async (m: CodeMail) => void mails.push(m) } });
  return { pm, mails, scripts: () => scripts };
}

/** Store scripts `fn` ran, the audit log's write left out. */
async function scriptsOf(x: Node, fn: () => Promise<unknown>): Promise<number> {
  const before = x.scripts();
  await fn();
  return x.scripts() - before;
}

it('sends in one step when the guess is right, in two when another process sent meanwhile; every code mailed works', async () => {
  const clock = new FakeClock();
  const a = node(clock);
  const b = node(clock);
  const s = await seedUser(a.pm);
  const ask = (x: Node, resend = false) => x.pm.prepare({ resource: s.resource.name, login: s.login, resend });
  const last = (x: Node) => x.mails[x.mails.length - 1]!.code;

  // First send here: no counter to guess from yet.
  await ask(a);
  clock.advance(31_000);
  // A knows the counter now: reserve fills the challenge itself.
  expect(await scriptsOf(a, () => ask(a, true))).toBe(1);
  const second = last(a);
  clock.advance(31_000);
  // B resends: B has not read this directory entry nor seen this counter: resolve, reserve, fill.
  expect(await scriptsOf(b, () => ask(b, true))).toBe(3);
  const third = last(b);
  expect(third).not.toBe(second);
  clock.advance(31_000);
  // A guesses the counter after its own last send, but B took that one: reserve, then fill.
  expect(await scriptsOf(a, () => ask(a, true))).toBe(2);
  const fourth = last(a);
  expect(new Set([second, third, fourth]).size).toBe(3);

  // Only the newest code works, through either process, once.
  expect(await refusal(b.pm.authenticate({ resource: s.resource.name, login: s.login, otp: third }))).toMatchObject({ code: 'INVALID_OTP' });
  await expect(b.pm.authenticate({ resource: s.resource.name, login: s.login, otp: fourth })).resolves.toMatchObject({ user: { login: s.login } });
  expect(await refusal(a.pm.authenticate({ resource: s.resource.name, login: s.login, otp: fourth }))).toMatchObject({ code: 'OTP_EXPIRED' });

  // And a guessed send mails a code that verifies.
  clock.advance(31_000);
  expect(await scriptsOf(a, () => ask(a, true))).toBe(1);
  await expect(a.pm.authenticate({ resource: s.resource.name, login: s.login, otp: last(a) })).resolves.toMatchObject({ user: { login: s.login } });
});
