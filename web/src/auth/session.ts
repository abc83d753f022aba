/** The signed-in session: its bearer token and when it expires, kept across reloads.
 *
 * The token lives in localStorage so a reload or a second tab stays signed in; logout and a 401
 * remove it. It is refreshed at 75 % of its lifetime so an active user is never cut off.
 */

const KEY = "starter.session";
export const REFRESH_AT = 0.75;
// setTimeout's delay is a signed 32-bit number of milliseconds.
const MAX_DELAY_MS = 2 ** 31 - 1;

export interface StoredSession {
  token: string;
  expiresAt: string;
  /** When the current lifetime started: login or the last refresh. */
  since: string;
}

type Listener = (reason: "changed" | "expired") => void;
const listeners = new Set<Listener>();

function read(): StoredSession | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as StoredSession) : null;
  } catch {
    return null;
  }
}

function emit(reason: "changed" | "expired"): void {
  for (const listener of listeners) listener(reason);
}

/** Milliseconds from `now` until the session should be refreshed (0: now). */
export function refreshDelay(stored: StoredSession, now: number): number {
  const since = Date.parse(stored.since);
  const expires = Date.parse(stored.expiresAt);
  const due = since + (expires - since) * REFRESH_AT;
  return Math.min(Math.max(0, due - now), MAX_DELAY_MS);
}

export const session = {
  current: read,
  token(): string | null {
    const stored = read();
    return stored && Date.parse(stored.expiresAt) > Date.now() ? stored.token : null;
  },
  start(token: string, expiresAt: string): void {
    localStorage.setItem(
      KEY,
      JSON.stringify({ token, expiresAt, since: new Date().toISOString() }),
    );
    emit("changed");
  },
  extend(expiresAt: string): void {
    const stored = read();
    if (!stored) return;
    localStorage.setItem(
      KEY,
      JSON.stringify({ ...stored, expiresAt, since: new Date().toISOString() }),
    );
    emit("changed");
  },
  clear(): void {
    localStorage.removeItem(KEY);
    emit("changed");
  },
  expired(): void {
    if (read() === null) return;
    localStorage.removeItem(KEY);
    emit("expired");
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
