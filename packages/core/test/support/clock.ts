import type { Clock } from '../../src/protectimus';

/** A clock the test moves by hand, so expiry and locks are tested without sleeping. */
export class FakeClock implements Clock {
  constructor(private t = Date.UTC(2026, 0, 1, 12, 0, 0)) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  advanceSeconds(s: number): void {
    this.t += s * 1000;
  }
}
