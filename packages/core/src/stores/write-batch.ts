import type { Writable } from 'node:stream';

/**
 * Gathers the commands a store sends in one turn of the event loop into fewer socket writes.
 *
 * Under load the replies to many requests arrive together, and each request then sends its next
 * command at once: one `write` system call each, which on a loopback or virtualised network costs
 * more than the rest of the work. Corking the socket turns those into one `writev` per `size`
 * commands. The batch is capped rather than held to the end of the turn so that Redis starts on
 * the first commands while this process still prepares the next ones; whatever is corked is sent
 * at the end of the turn at the latest (`process.nextTick`), so no command waits for I/O.
 */
export class WriteBatch {
  private stream: Writable | null = null;
  private count = 0;
  private readonly release = (): void => this.flush();

  constructor(private readonly size: number) {}

  /** Call right before a command is written to `stream` (a connection that is up). */
  hold(stream: Writable): void {
    if (this.stream !== stream) {
      this.flush();
      if (!stream.writable) return;
      stream.cork();
      this.stream = stream;
      this.count = 0;
      process.nextTick(this.release);
    }
    if (++this.count > this.size) {
      stream.uncork();
      stream.cork();
      this.count = 1;
    }
  }

  private flush(): void {
    const stream = this.stream;
    this.stream = null;
    stream?.uncork();
  }
}
