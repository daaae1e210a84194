import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { runCli } from '../src/cli';
import { createProtectimus } from '../src/protectimus';
import { generateSecret } from '../src/secrets';
import { MemoryStore } from '../src/stores/memory';
import { RedisStore } from '../src/stores/redis';
import { deleteByPrefix, REDIS_URL, seedUser } from './support/protectimus';

const run = promisify(execFile);
const CORE = join(__dirname, '..');
const HOOK = join(__dirname, '..', '..', '..', 'test', 'support', 'ts-hook.js');
const BASE64URL_32_BYTES = /^[A-Za-z0-9_-]{43}$/;

/** `npx protectimus-mail ...` as a user runs it: a process of its own (the source, through the test hook). */
function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return run(process.execPath, ['-r', HOOK, join(CORE, 'src', 'cli.ts'), ...args], { env: { ...process.env, ...env }, timeout: 30_000 });
}

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env });
  return { code, stdout, stderr };
}

describe('npx protectimus-mail', () => {
  it('is the bin of the core package, a built file run by node', () => {
    const pkg = JSON.parse(readFileSync(join(CORE, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin).toEqual({ 'protectimus-mail': 'dist/cli.js' });
    expect(readFileSync(join(CORE, 'src', 'cli.ts'), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('secret: prints 32 random bytes as base64url and a newline, nothing else, new on each run, fit for production', async () => {
    const [a, b] = await Promise.all([spawnCli(['secret']), spawnCli(['secret'])]);
    for (const out of [a, b]) {
      expect(out.stderr).toBe('');
      expect(out.stdout.endsWith('\n')).toBe(true);
      expect(out.stdout.slice(0, -1)).toMatch(BASE64URL_32_BYTES);
      expect(Buffer.from(out.stdout.trim(), 'base64url')).toHaveLength(32);
    }
    expect(a.stdout).not.toBe(b.stdout);
    const env = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      const store = new MemoryStore({ sweepIntervalMs: 0 });
      await createProtectimus({ store, mail: { send: async () => undefined }, secret: a.stdout.trim() }).close();
      await store.close();
    } finally {
      process.env.NODE_ENV = env;
    }
  });

  it('--help prints the usage and exits 0; an unknown command exits 2 with the usage on stderr', async () => {
    const help = await cli(['--help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^Usage: protectimus-mail <command>/);
    expect(help.stdout).toContain('secret');
    expect((await cli(['secret', '--help'])).stdout).toMatch(/^Usage: protectimus-mail secret \[options\]\n\nprint a new server secret/);
    expect((await cli(['-V'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    for (const args of [['frobnicate'], [], ['--bogus']]) {
      const out = await cli(args);
      expect(out).toMatchObject({ code: 2, stdout: '' });
      expect(out.stderr).toContain('Usage: protectimus-mail <command>');
    }
    expect(await cli(['secret', 'extra'])).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining('Usage: protectimus-mail secret') });
    // The process itself exits with those codes.
    await expect(spawnCli(['frobnicate'])).rejects.toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining('Usage: protectimus-mail') });
    const spawnedHelp = await spawnCli(['--help']);
    expect(spawnedHelp.stdout).toBe(help.stdout);
  });

  it('reseal: moves every token to the first secret of PROTECTIMUS_SECRET, and says when the older can go', async () => {
    const prefix = `pmtest:cli${process.pid}:`;
    const client = new Redis(REDIS_URL);
    const [A, B] = [generateSecret(), generateSecret()];
    try {
      const old = createProtectimus({ store: new RedisStore({ client, prefix }), mail: { send: async () => undefined }, secret: A });
      await seedUser(old, { pin: '1234' });
      await seedUser(old);
      await old.close();
      const env = { REDIS_URL, REDIS_PREFIX: prefix, PROTECTIMUS_SECRET: `${B},${A}` };
      const first = await cli(['reseal'], env);
      expect(first).toMatchObject({ code: 0, stderr: '' });
      expect(first.stdout).toContain('tokens: 2, re-sealed now: 2, waiting for their PIN: 0, unreadable: 0');
      expect(first.stdout).toContain('the older ones can be removed');
      expect((await cli(['reseal'], env)).stdout).toContain('tokens: 2, re-sealed now: 0');
      // With the old secret alone nothing opens any more.
      const wrong = await cli(['reseal'], { ...env, PROTECTIMUS_SECRET: A });
      expect(wrong.code).toBe(1);
      expect(wrong.stdout).toContain('unreadable: 2');
      // No Redis named is a usage error: a memory store would have nothing to re-seal.
      expect(await cli(['reseal'], { PROTECTIMUS_SECRET: B })).toMatchObject({ code: 2, stderr: expect.stringContaining('REDIS_URL') });
      expect(JSON.parse((await cli(['reseal', '--json'], env)).stdout)).toEqual({ tokens: 2, resealed: 0, waiting: 0, unreadable: 0 });
    } finally {
      await deleteByPrefix(client, prefix);
      await client.quit();
    }
  });
});
