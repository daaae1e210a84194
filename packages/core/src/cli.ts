#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { protectimusFromEnv } from './protectimus';
import { generateSecret } from './secrets';

/** Where the command line writes, and what environment it reads; the bin passes the process's. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

const USAGE = `Usage: protectimus-mail <command>

Commands:
  secret   print a new server secret for PROTECTIMUS_SECRET: 32 random bytes, base64url
  reseal   end a secret rotation: rewrite under the first secret of PROTECTIMUS_SECRET every
           token still under an older one (reads REDIS_URL, REDIS_PREFIX, PROTECTIMUS_SECRET)
  help     show this help

Options:
  -h, --help     show this help
  -V, --version  show the version
`;

function version(): string {
  // The same path from src/ (tests) and dist/ (the published bin).
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function usageError(io: CliIo, message: string): number {
  io.stderr(`protectimus-mail: ${message}\n\n${USAGE}`);
  return 2;
}

async function reseal(io: CliIo): Promise<number> {
  if (!io.env.REDIS_URL) {
    io.stderr('protectimus-mail: REDIS_URL is not set: there is nothing to re-seal in a store that lives in one process\n');
    return 1;
  }
  // Nothing is mailed: the instance is only a way to the store and the secrets.
  const noMail = { send: () => Promise.reject(new Error('reseal sends no mail')) };
  let pm;
  try {
    pm = protectimusFromEnv(io.env, { mail: noMail });
  } catch (err) {
    io.stderr(`protectimus-mail: ${(err as Error).message}\n`);
    return 1;
  }
  try {
    const r = await pm.tokens.reseal();
    io.stdout(`tokens: ${r.tokens}, re-sealed now: ${r.resealed}, waiting for their PIN: ${r.waiting}, unreadable: ${r.unreadable}\n`);
    if (r.waiting === 0 && r.unreadable === 0) io.stdout('Every token is under the first secret: the older ones can be removed from PROTECTIMUS_SECRET.\n');
    return r.unreadable === 0 ? 0 : 1;
  } catch (err) {
    io.stderr(`protectimus-mail: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await pm.close();
  }
}

/**
 * The `protectimus-mail` command line; resolves with the exit code: 0 done, 1 failed, 2 used
 * wrongly (the usage then goes to stderr).
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) return usageError(io, 'a command is required');
  if (command === '-h' || command === '--help' || command === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  if (command === '-V' || command === '--version') {
    io.stdout(`${version()}\n`);
    return 0;
  }
  if (command !== 'secret' && command !== 'reseal') return usageError(io, `unknown command '${command}'`);
  if (rest.includes('-h') || rest.includes('--help')) {
    io.stdout(USAGE);
    return 0;
  }
  if (rest.length > 0) return usageError(io, `'${command}' takes no arguments`);
  if (command === 'secret') {
    io.stdout(`${generateSecret()}\n`);
    return 0;
  }
  return reseal(io);
}

if (require.main === module) {
  void runCli(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
  }).then((code) => {
    process.exitCode = code;
  });
}
