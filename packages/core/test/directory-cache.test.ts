import { setTimeout as sleep } from 'node:timers/promises';
import { DirectoryCache } from '../src/stores/directory-cache';
import type { Resolved } from '../src/stores/store';

const answer = (token: string): Resolved => ({ resource: '{"id":"r"}', user: '{"id":"u"}', token });

describe('DirectoryCache', () => {
  it('serves an answer read at the version it last confirmed, and nothing else', () => {
    const cache = new DirectoryCache();
    expect(cache.get('billing\nalice').value).toBeUndefined();
    const a = answer('t1');
    cache.put('billing\nalice', a, 7, cache.now());
    expect(cache.get('billing\nalice').value).toBe(a);
    expect(cache.get('billing\nbob').value).toBeUndefined();

    // A later read finds the directory moved on: everything read at 7 is dropped.
    cache.confirm(8, cache.now());
    expect(cache.get('billing\nalice').value).toBeUndefined();
  });

  it('never keeps an answer read before a newer version was seen, whatever order replies come in', () => {
    const cache = new DirectoryCache();
    const sentEarly = cache.now();
    // The reply of a read sent later, after a commit, arrives first...
    cache.put('k2', answer('new'), 9, cache.now());
    // ...then the reply of the read sent before it, which ran before the commit.
    cache.put('k1', answer('old'), 8, sentEarly);
    expect(cache.get('k1').value).toBeUndefined();
    expect(cache.get('k2').value).toEqual(answer('new'));
    // A stale confirmation does not move the version back either.
    cache.confirm(8, sentEarly);
    expect(cache.get('k2').value).toEqual(answer('new'));
  });

  it('forgets everything on invalidate, and a read sent before it cannot bring an answer back', () => {
    const cache = new DirectoryCache();
    const sentBefore = cache.now();
    cache.put('k', answer('t'), 3, sentBefore);
    cache.invalidate();
    expect(cache.get('k').value).toBeUndefined();
    cache.put('k', answer('t'), 3, sentBefore);
    expect(cache.get('k').value).toBeUndefined();
    // A read sent after the commit is kept, at the version it read.
    cache.put('k', answer('t2'), 4, cache.now());
    expect(cache.get('k').value).toEqual(answer('t2'));
  });

  it('asks for a background check past half of maxStaleMs and serves nothing past it', async () => {
    const cache = new DirectoryCache({ maxStaleMs: 80 });
    cache.put('k', answer('t'), 1, cache.now());
    expect(cache.get('k')).toEqual({ value: answer('t'), refresh: false });
    await sleep(50);
    expect(cache.get('k')).toEqual({ value: answer('t'), refresh: true });
    await sleep(50);
    expect(cache.get('k')).toEqual({ value: undefined, refresh: false });
    // A check that finds the same version makes the answers good again.
    cache.confirm(1, cache.now());
    expect(cache.get('k').value).toEqual(answer('t'));
  });

  it('keeps at most maxEntries answers, dropping the oldest', () => {
    const cache = new DirectoryCache({ maxEntries: 2 });
    const now = cache.now();
    cache.put('a', answer('a'), 1, now);
    cache.put('b', answer('b'), 1, now);
    cache.put('c', answer('c'), 1, now);
    expect(cache.get('a').value).toBeUndefined();
    expect(cache.get('b').value).toEqual(answer('b'));
    expect(cache.get('c').value).toEqual(answer('c'));
  });

  it('refuses options that make no sense', () => {
    expect(() => new DirectoryCache({ maxStaleMs: -1 })).toThrow(/maxStaleMs/);
    expect(() => new DirectoryCache({ maxStaleMs: Number.NaN })).toThrow(/maxStaleMs/);
    expect(() => new DirectoryCache({ maxEntries: 0 })).toThrow(/maxEntries/);
    expect(() => new DirectoryCache({ maxEntries: 1.5 })).toThrow(/maxEntries/);
  });
});
