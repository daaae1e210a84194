/**
 * Concurrent admin writes (signups provisioning tokens in parallel, two administrators, an API
 * client working in parallel). Directory writes are optimistic transactions on one version
 * (packages/core/src/directory/transaction.ts `transact`); a conflict retries after a random, growing wait.
 * Without that wait, writers kept colliding and ran out of retries: 8% of setups failed with 2
 * writers and 57% with 8, as STORE_UNAVAILABLE "the directory is too busy" with nothing down.
 */
import { createProtectimus } from '../../packages/core/src/protectimus';
import { RedisStore } from '../../packages/core/src/stores/redis';
import { redisFixture } from '../../packages/core/test/support/redis';

jest.setTimeout(30_000);

const fx = redisFixture();
afterAll(async () => {
  await fx.cleanup();
});

it('provisions users and tokens from 4 concurrent writers without refusing any', async () => {
  const pm = createProtectimus({ store: new RedisStore({ client: fx.client(), prefix: fx.prefix }), mail: { send: async () => undefined }, secret: 'Gcom5jTtbz7ou_yw4fIPbfZBALHqW7L--3IuNVytHW0' });
  const resource = await pm.resources.create({ name: 'signup' });
  const failures: unknown[] = [];
  await Promise.all(
    Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; i < 10; i++) {
        const login = `w${w}u${i}`;
        try {
          const user = await pm.users.create({ login, email: `${login}@example.com` });
          const token = await pm.users.createAndAssignToken(user.id, { name: `${login} mail`, email: `${login}@example.com`, otpLength: 6 });
          await pm.resources.assignTokenWithUser(resource.id, token.id);
        } catch (err) {
          failures.push(err);
        }
      }
    }),
  );
  await pm.close();
  expect(failures).toEqual([]);
});
