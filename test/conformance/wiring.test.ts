/**
 * How an app wires the guard in: mounted under a path or app-wide, behind any body parser (or
 * none): the URLs it hands out work where it is, and it reads the posted code right.
 */
import { adapters, agentOf, baseOf, describesBodyParsing, expectGuardWorksAt, freshUser, signIn, useWorld, type Mount, type Parsers } from './harness';

const env = useWorld();

describe.each(adapters.flatMap((adapter) => (['billing', 'root'] as Mount[]).map((mount) => ({ adapter, mount, name: adapter.name }))))(
  '$name: the guard mounted as $mount',
  ({ adapter, mount }) => {
    it('gives verify and resend URLs under its mount point, and they work there', async () => {
      const user = await freshUser(env.pm);
      const agent = agentOf(adapter.makeApp({ guard: { protectimus: env.pm, resource: user.resourceName }, mount }));
      await signIn(agent, user.login);
      await expectGuardWorksAt(env.world, agent, baseOf(mount), user);
    });
  },
);

describe.each(adapters.flatMap((adapter) => (['none', 'json', 'form', 'both'] as Parsers[]).map((parsers) => ({ adapter, parsers, name: adapter.name }))))(
  '$name: the guard behind body parsers: $parsers',
  ({ adapter, parsers }) => describesBodyParsing(env, (guard) => adapter.makeApp({ guard, parsers })),
);
