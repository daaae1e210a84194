import type { Redis } from 'ioredis';
import type { CodeMail } from '../src/mail';
import { createProtectimus, type Protectimus } from '../src/protectimus';
import { RedisStore } from '../src/stores/redis';
import { FakeClock } from './support/clock';
import { seedUser, SECRET } from './support/protectimus';
import { redisFixture } from './support/redis';
import { refusal } from './support/refusal';

// `prepare` guesses the HOTP counter a token gets next (the clock's least counter), so a send is
// one store step instead of two. Two processes sending in the same millisecond make the guess go
// wrong on purpose.

const fx = redisFixture();
afterAll(() => fx.cleanup());

interface Node {
  pm: Protectimus;
  mails: CodeMail[];
  scripts: () => number;
}

function node(clock: FakeClock, resendCooldown = 30): Node {
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
  const pm = createProtectimus({ store, secret: SECRET, clock, otp: { resendCooldown }, mail: { send: async (m: CodeMail) => void mails.push(m) } });
  return { pm, mails, scripts: () => scripts };
}

/** Store scripts `fn` ran, the audit log's write left out. */
async function scriptsOf(x: Node, fn: () => Promise<unknown>): Promise<number> {
  const before = x.scripts();
  await fn();
  return x.scripts() - before;
}

it('sends in one step when the guess is right, in two when another process sent in the same millisecond; every code mailed works', async () => {
  const clock = new FakeClock();
  const a = node(clock, 0);
  const b = node(clock);
  const s = await seedUser(a.pm);
  const ask = (x: Node, resend = false) => x.pm.prepare({ resource: s.resource.name, login: s.login, resend });
  const last = (x: Node) => x.mails[x.mails.length - 1]!.code;

  // A first send: resolve, then a reserve whose guess (the clock's counter) is right.
  expect(await scriptsOf(a, () => ask(a))).toBe(2);
  const first = last(a);
  clock.advance(31_000);
  // B has never seen this token: the same two steps, the guess right without any history.
  expect(await scriptsOf(b, () => ask(b, true))).toBe(2);
  const second = last(b);
  // A resends in that same millisecond: the clock's counter is taken, so reserve, then fill.
  expect(await scriptsOf(a, () => ask(a, true))).toBe(2);
  const third = last(a);
  expect(new Set([first, second, third]).size).toBe(3);

  // Only the newest code works, through either process, once.
  expect(await refusal(b.pm.authenticate({ resource: s.resource.name, login: s.login, otp: second }))).toMatchObject({ code: 'INVALID_OTP' });
  await expect(b.pm.authenticate({ resource: s.resource.name, login: s.login, otp: third })).resolves.toMatchObject({ user: { login: s.login } });
  expect(await refusal(a.pm.authenticate({ resource: s.resource.name, login: s.login, otp: third }))).toMatchObject({ code: 'OTP_EXPIRED' });

  // And a guessed send mails a code that verifies.
  clock.advance(31_000);
  expect(await scriptsOf(b, () => ask(b, true))).toBe(1);
  await expect(a.pm.authenticate({ resource: s.resource.name, login: s.login, otp: last(b) })).resolves.toMatchObject({ user: { login: s.login } });
});
