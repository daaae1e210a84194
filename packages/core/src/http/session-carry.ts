/**
 * Copies a session's data into a regenerated one, for adapters whose `regenerate` empties it
 * (express-session). Everything is kept (Passport's login, the app's own keys, the guard's state)
 * except `cookie`, which belongs to the new session.
 */
export function carrySession(oldData: Record<string, unknown>, newSession: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(oldData)) {
    // Assigning `__proto__` would swap the session's prototype instead of copying a value.
    if (key === 'cookie' || key === '__proto__') continue;
    newSession[key] = value;
  }
}
