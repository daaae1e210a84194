import { Writable } from 'node:stream';
import { WriteBatch } from '../src/stores/redis';

/** A stream that records how its chunks reached it: one entry per write or writev call. */
function recorder() {
  const calls: string[][] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      calls.push([chunk.toString()]);
      done();
    },
    writev(chunks, done) {
      calls.push(chunks.map((c) => (c.chunk as Buffer).toString()));
      done();
    },
  });
  return { stream, calls };
}

describe('WriteBatch', () => {
  it('sends the commands of one turn in batches of `size`, the rest at the end of the turn', async () => {
    const { stream, calls } = recorder();
    const batch = new WriteBatch(8);
    for (let i = 0; i < 20; i++) {
      batch.hold(stream);
      stream.write(`c${i}`);
    }
    expect(calls.map((c) => c.length)).toEqual([8, 8]);
    await new Promise<void>((resolve) => process.nextTick(resolve));
    expect(calls.map((c) => c.length)).toEqual([8, 8, 4]);
    expect(calls.flat()).toEqual(Array.from({ length: 20 }, (_, i) => `c${i}`));
    expect(stream.writableCorked).toBe(0);
  });

  it('never holds a command past the turn, and starts afresh on the next one', async () => {
    const { stream, calls } = recorder();
    const batch = new WriteBatch(8);
    batch.hold(stream);
    stream.write('a');
    await new Promise<void>((resolve) => process.nextTick(resolve));
    expect(calls).toEqual([['a']]);
    batch.hold(stream);
    stream.write('b');
    batch.hold(stream);
    stream.write('c');
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(calls).toEqual([['a'], ['b', 'c']]);
  });

  it('sends what it held for one connection before it holds another (a reconnect)', () => {
    const first = recorder();
    const second = recorder();
    const batch = new WriteBatch(8);
    batch.hold(first.stream);
    first.stream.write('x');
    batch.hold(second.stream);
    expect(first.calls).toEqual([['x']]);
    expect(first.stream.writableCorked).toBe(0);
    second.stream.write('y');
    expect(second.calls).toEqual([]);
  });

  it('leaves a stream that can no longer be written alone', () => {
    const { stream } = recorder();
    stream.destroy();
    const batch = new WriteBatch(8);
    batch.hold(stream);
    expect(stream.writableCorked).toBe(0);
  });
});
