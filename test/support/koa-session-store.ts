/** koa-session's external store, in memory: the cookie holds only the session id, as with express-session. */
export class MemorySessionStore {
  /** What each session id holds on the server side; tests look into it. */
  readonly sessions = new Map<string, unknown>();
  async get(key: string): Promise<unknown> {
    return this.sessions.get(key);
  }
  async set(key: string, value: unknown): Promise<void> {
    this.sessions.set(key, value);
  }
  async destroy(key: string): Promise<void> {
    this.sessions.delete(key);
  }
}
