/**
 * Concurrent admin writes (signups provisioning tokens in parallel, two administrators, an API
 * client working in parallel). Directory writes are optimistic transactions on one version
 * (packages/core/src/directory.ts `transact`); a conflict retries at once, up to 20 times, with no
 * backoff, so writers that keep colliding exhaust their retries and fail with STORE_UNAVAILABLE
 * "the directory is too busy" although nothing is down.
 *
 * KNOWN BUG, pinned with `it.failing`: this test runs, and passes while the bug is there. When
 * `transact` waits a random, growing delay before each retry (measured: no failure at 2-4
 * writers, about 1 in 300 at 8-16, against 8% and 57% today), jest reports the `it.failing` as
 * failed: then turn it into a plain `it`.
 */
import { createProtectimus } from '../../packages/core/src/protectimus';
import { RedisStore } from '../../packages/core/src/stores/redis';
import { redisFixture } from '../../packages/core/test/support/redis';

jest.setTimeout(30_000);

const fx = redisFixture();
afterAll(async () => {
  await fx.cleanup();
});

it.failing('provisions users and tokens from 4 concurrent writers without refusing any', async () => {
  const pm = createProtectimus({ store: new RedisStore({ client: fx.client(), prefix: fx.prefix }), mail: { send: async () => undefined }, secret: 'contention-secret-0123456789' });
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
