import { createProtectimus, type Protectimus, type ProtectimusOptions } from '../../src/protectimus';
import { MemoryStore } from '../../src/stores/memory';
import { FakeClock } from './clock';

/** An instance for tests that need many codes fast: memory store, a fake clock, and mail caught in a map. */
export interface Capture {
  pm: Protectimus;
  /** The last code mailed to each address. */
  codes: Map<string, string>;
  clock: FakeClock;
  /** Closes the instance and its store. */
  close(): Promise<void>;
}

/** No SMTP round trip here: the property tests send thousands of codes; the mail path has its own tests. */
export function capture(options: Partial<ProtectimusOptions> = {}): Capture {
  const codes = new Map<string, string>();
  const clock = new FakeClock();
  const store = new MemoryStore({ sweepIntervalMs: 0 });
  const pm = createProtectimus({
    store,
    mail: { send: async (m) => void codes.set(m.to, m.code) },
    secret: 'n_O9QjmQ8MMIuVfDSNyIuwRMEuAUp-PeZ7il5sMS-3I',
    clock,
    ...options,
    otp: { maxSendsPerHour: 1000, ...options.otp },
  });
  return { pm, codes, clock, close: async () => (await pm.close(), await store.close()) };
}
