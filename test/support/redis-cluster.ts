import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { rawCommand, startRedisServer, waitFor, type RedisServer } from './redis-server';

const run = promisify(execFile);

/** A Redis Cluster of masters only, on local ports, started and torn down by a test. */
export interface RedisCluster {
  nodes: RedisServer[];
  /** `{ host, port }` of every master, for `new Redis.Cluster(startupNodes)`. */
  startupNodes: { host: string; port: number }[];
  stop(): Promise<void>;
}

async function clusterInfo(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // CLUSTER INFO answers a bulk string: read it whole with redis-cli rather than a raw socket.
    execFile('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'cluster', 'info'], { timeout: 2000 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });
}

/**
 * Starts `masters` redis-server processes with `--cluster-enabled yes` (each with its own config
 * file in its own temp dir), joins them with `redis-cli --cluster create`, and waits until every
 * node reports `cluster_state:ok` and knows all the others.
 */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const nodes: RedisServer[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    for (let i = 0; i < masters; i++) {
      // Each node's config file goes in its own dir (--dir), so runs never share one.
      nodes.push(
        await startRedisServer({
          args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '5000'],
        }),
      );
    }
    await run(
      'redis-cli',
      ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'],
      { timeout: 30_000 },
    );
    for (const node of nodes) {
      await waitFor(`cluster_state:ok on ${node.port}`, async () => {
        const info = await clusterInfo(node.port);
        return /cluster_state:ok/.test(info) && new RegExp(`cluster_known_nodes:${masters}\\b`).test(info) && /cluster_slots_ok:16384/.test(info);
      }, 20_000, 100);
      // The node answers commands, not just CLUSTER INFO.
      await rawCommand(node.port, 'PING');
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { nodes, startupNodes: nodes.map((n) => ({ host: '127.0.0.1', port: n.port })), stop };
}
