import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EventType, ProtectimusEvent } from './audit';
import { isOutage, type ErrorCode } from './errors';
import type { CodeSender } from './mail';
import { wrapSender, type Protectimus } from './protectimus';
import type { Store } from './stores/store';

/**
 * prom-client, loaded only when metrics are asked for: it is an optional peer dependency, so an
 * app that never calls `protectimusMetrics` never needs it installed.
 */
function loadPromClient(): typeof import('prom-client') {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('prom-client') as typeof import('prom-client');
  } catch (err) {
    // Only prom-client itself missing; a broken install under it keeps its own error.
    const missing = (err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String((err as Error).message).includes("'prom-client'");
    if (!missing) throw err;
    throw new Error('protectimusMetrics needs the package prom-client (15.x), which is not installed: npm install prom-client', { cause: err });
  }
}

/** Options of {@link protectimusMetrics}. */
export interface ProtectimusMetricsOptions {
  /** The prom-client registry the metrics go to. Default: prom-client's global `register`. */
  registry?: Registry;
  /**
   * Distinct `resource` label values at most (1..100,000); resources seen past it are counted
   * under `resource="(other)"`, so a directory of many resources cannot grow the series without
   * bound. Default 1000.
   */
  maxResources?: number;
}

/** What {@link protectimusMetrics} returns. */
export interface ProtectimusMetrics {
  /** The registry the metrics are in: `await registry.metrics()` is the text format, `registry.contentType` its type. */
  readonly registry: Registry;
  /** Stops measuring the instance (listeners off, its methods and mail sender as they were); the metrics stay registered. */
  stop(): void;
}

/** The `reason` of `protectimus_failures_total`: a stable error code, anything else `OTHER`. */
const FAILURE_REASONS: ReadonlySet<string> = new Set<ErrorCode>(['INVALID_OTP', 'OTP_EXPIRED', 'BLOCKED', 'NOT_ASSIGNED', 'ACCESS_RESTRICTED', 'DELIVERY_FAILED']);

/** The label of resources seen past `maxResources`, and of what no resource names. */
const OTHER_RESOURCE = '(other)';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const MAIL_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** How long a scrape waits for the store to answer its probe before calling it down. */
const PROBE_TIMEOUT_MS = 1000;


/** The metrics of one registry, shared by every instance measured into it. */
interface Family {
  sent: Counter<'resource'>;
  verified: Counter<'resource'>;
  failures: Counter<'resource' | 'reason'>;
  rateLimited: Counter<'resource' | 'reason'>;
  locks: Counter<'resource'>;
  blocks: Counter<'resource' | 'reason'>;
  prepare: Histogram<'outcome'>;
  authenticate: Histogram<'outcome'>;
  mail: Histogram<'outcome'>;
  storeUp: Gauge;
  /** The stores of the instances measured, probed on each scrape. */
  stores: Map<object, Store>;
  /** Resource label values given out, for the cap. */
  resources: Set<string>;
  maxResources: number;
  /** Counter children by metric, resource and reason: `labels()` hashes its values on each call. */
  children: Map<string, Counter.Internal>;
}

const families = new WeakMap<Registry, Family>();

function family(prom: typeof import('prom-client'), registry: Registry, maxResources: number): Family {
  const known = families.get(registry);
  if (known !== undefined) return known;
  const registers = [registry];
  const stores = new Map<object, Store>();
  const made: Family = {
    sent: new prom.Counter({ name: 'protectimus_codes_sent_total', help: 'Codes mailed, by resource.', labelNames: ['resource'], registers }),
    verified: new prom.Counter({ name: 'protectimus_codes_verified_total', help: 'Right codes typed (second factor passed), by resource.', labelNames: ['resource'], registers }),
    failures: new prom.Counter({
      name: 'protectimus_failures_total',
      help: 'Refusals of prepare and authenticate other than rate limits, by resource and reason (the stable error code).',
      labelNames: ['resource', 'reason'],
      registers,
    }),
    rateLimited: new prom.Counter({
      name: 'protectimus_rate_limited_total',
      help: 'Codes or requests refused as too many, by resource and reason (sends: resend cooldown or hourly cap; requests: prepares per minute).',
      labelNames: ['resource', 'reason'],
      registers,
    }),
    locks: new prom.Counter({ name: 'protectimus_locks_total', help: 'Tokens locked for a while after too many wrong codes, by resource.', labelNames: ['resource'], registers }),
    blocks: new prom.Counter({
      name: 'protectimus_blocks_total',
      help: 'Blocks until an admin acts, by resource and reason (failed_attempts: the hard block; admin: a token or user blocked by an admin, resource "").',
      labelNames: ['resource', 'reason'],
      registers,
    }),
    prepare: new prom.Histogram({ name: 'protectimus_prepare_duration_seconds', help: 'Time of prepare (the mail included), by outcome.', labelNames: ['outcome'], buckets: LATENCY_BUCKETS, registers }),
    authenticate: new prom.Histogram({ name: 'protectimus_authenticate_duration_seconds', help: 'Time of authenticate, by outcome.', labelNames: ['outcome'], buckets: LATENCY_BUCKETS, registers }),
    mail: new prom.Histogram({ name: 'protectimus_mail_delivery_seconds', help: 'Time to hand a code mail to the mail server, by outcome.', labelNames: ['outcome'], buckets: MAIL_BUCKETS, registers }),
    storeUp: new prom.Gauge({
      name: 'protectimus_store_up',
      help: 'Whether the store answered a read at the last scrape (1) or not (0).',
      registers,
      // Asked at scrape time, not on any request: the hot paths pay nothing for it.
      async collect() {
        const answers = await Promise.all([...stores.values()].map(reachable));
        this.set(answers.every(Boolean) ? 1 : 0);
      },
    }),
    stores,
    resources: new Set(),
    maxResources,
    children: new Map(),
  };
  families.set(registry, made);
  return made;
}

/** Whether the store answers its cheapest read (one `MGET` on Redis) within the probe timeout. */
async function reachable(store: Store): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([store.dirGet([]).then(() => true as const), late]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** The `resource` label of an event: its resource's name, within the cap. */
function resourceLabel(f: Family, event: ProtectimusEvent): string {
  const name = event.resourceName ?? '';
  if (name === '' || f.resources.has(name)) return name;
  if (f.resources.size >= f.maxResources) return OTHER_RESOURCE;
  f.resources.add(name);
  return name;
}

function child(f: Family, metric: 'sent' | 'verified' | 'locks', resource: string): Counter.Internal;
function child(f: Family, metric: 'failures' | 'rateLimited' | 'blocks', resource: string, reason: string): Counter.Internal;
function child(f: Family, metric: 'sent' | 'verified' | 'locks' | 'failures' | 'rateLimited' | 'blocks', resource: string, reason?: string): Counter.Internal {
  const key = `${metric}\n${resource}\n${reason ?? ''}`;
  let found = f.children.get(key);
  if (found === undefined) {
    found = reason === undefined ? (f[metric] as Counter<'resource'>).labels(resource) : (f[metric] as Counter<'resource' | 'reason'>).labels(resource, reason);
    f.children.set(key, found);
  }
  return found;
}

/** What each audit event counts, with only fixed-set values and resource names as labels. */
function listeners(f: Family): [EventType, (event: ProtectimusEvent) => void][] {
  const failure = (event: ProtectimusEvent) => {
    const reason = event.code !== undefined && FAILURE_REASONS.has(event.code) ? event.code : 'OTHER';
    child(f, 'failures', resourceLabel(f, event), reason).inc();
  };
  const blocked = (event: ProtectimusEvent) => {
    const detail = event.detail ?? {};
    // Users are blocked by admins only; tokens also by the rules (a lock has an end, a hard block none).
    if (event.type === 'user.blocked' || detail.reason === 'admin') child(f, 'blocks', event.resourceName === undefined ? '' : resourceLabel(f, event), 'admin').inc();
    else if (typeof detail.blockedUntil === 'string') child(f, 'locks', resourceLabel(f, event)).inc();
    else child(f, 'blocks', resourceLabel(f, event), 'failed_attempts').inc();
  };
  return [
    ['otp.sent', (event) => child(f, 'sent', resourceLabel(f, event)).inc()],
    ['otp.verified', (event) => child(f, 'verified', resourceLabel(f, event)).inc()],
    ['otp.failed', failure],
    ['otp.expired', failure],
    ['otp.delivery_failed', failure],
    ['access.denied', failure],
    ['otp.rate_limited', (event) => child(f, 'rateLimited', resourceLabel(f, event), event.detail?.reason === 'requests' ? 'requests' : 'sends').inc()],
    ['token.blocked', blocked],
    ['user.blocked', blocked],
  ];
}

function outcome(err: unknown): 'refused' | 'error' {
  return isOutage(err) ? 'error' : 'refused';
}

/**
 * Times `pm[step]` on the instance itself (the guard and the strategy call it there), so an
 * instance never measured runs its own method with nothing in between.
 */
function timeStep(pm: Protectimus, step: 'prepare' | 'authenticate', histogram: Histogram<'outcome'>): () => void {
  const ok = histogram.labels('ok');
  const byOutcome = { refused: histogram.labels('refused'), error: histogram.labels('error') };
  const inner = (pm[step] as (input: unknown) => Promise<unknown>).bind(pm);
  const timed = (input: unknown): Promise<unknown> => {
    const start = performance.now();
    return inner(input).then(
      (result) => {
        ok.observe((performance.now() - start) / 1000);
        return result;
      },
      (err: unknown) => {
        byOutcome[outcome(err)].observe((performance.now() - start) / 1000);
        throw err;
      },
    );
  };
  Object.defineProperty(pm, step, { value: timed, configurable: true, writable: true });
  return () => {
    if (pm[step] === (timed as unknown)) delete (pm as unknown as Record<string, unknown>)[step];
  };
}

/**
 * Prometheus metrics of one instance, through prom-client 15 (an optional peer dependency, loaded
 * by this call): counters of codes sent, verified, refused (by reason), rate limited, locks and
 * blocks, by resource name; histograms of `prepare`, `authenticate` and mail delivery time; a
 * gauge of the store's availability, probed at each scrape. Counted from the audit events, so
 * every decision is counted whichever surface took it. Labels are resource names (at most
 * `maxResources`, then `(other)`) and values from fixed sets, never a login or an address.
 * Several instances may share one registry; they add to the same series.
 */
export function protectimusMetrics(pm: Protectimus, options: ProtectimusMetricsOptions = {}): ProtectimusMetrics {
  if (options === null || typeof options !== 'object') throw new TypeError('protectimusMetrics options must be an object');
  const max = options.maxResources ?? 1000;
  if (!Number.isInteger(max) || max < 1 || max > 100_000) throw new TypeError('maxResources must be an integer from 1 to 100000');
  const prom = loadPromClient();
  const registry = options.registry ?? prom.register;
  const f = family(prom, registry, max);
  const heard = listeners(f);
  for (const [type, fn] of heard) pm.on(type, fn);
  const key = {};
  f.stores.set(key, pm.store);
  const untime = [timeStep(pm, 'prepare', f.prepare), timeStep(pm, 'authenticate', f.authenticate)];
  let active = true;
  const mailOk = f.mail.labels('ok');
  const mailFailed = f.mail.labels('failed');
  const unwrap = wrapSender(pm, (sender): CodeSender => ({
    async send(message) {
      if (!active) return sender.send(message);
      const start = performance.now();
      try {
        await sender.send(message);
        mailOk.observe((performance.now() - start) / 1000);
      } catch (err) {
        mailFailed.observe((performance.now() - start) / 1000);
        throw err;
      }
    },
  }));
  return {
    registry,
    stop() {
      if (!active) return;
      active = false;
      for (const [type, fn] of heard) pm.off(type, fn);
      f.stores.delete(key);
      for (const undo of untime) undo();
      unwrap();
    },
  };
}
