// Sign-in: the token comes in the URL fragment of the link that
// `chatwasm token USER --url` prints (#token=...&user=...), which browsers do
// not send to servers nor put in Referer headers. It is kept in
// sessionStorage (this tab only, gone when the tab closes) and removed from
// the address bar at once.

/** The signed-in user, as far as the app knows it. */
export interface Session {
  token: string;
  /** The user's id: the token's `sub` claim when it is a number (the server's own tokens). */
  userId: number | undefined;
  /** The username the link named, until the app learns it from the server. */
  username: string | undefined;
}

const storageKey = "chatwasm.session";

/**
 * Returns the session: a token from the fragment (which then replaces the
 * stored one and is removed from the address bar), else the stored one, else
 * null.
 */
export function loadSession(): Session | null {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const token = fragment.get("token");
  if (token) {
    history.replaceState(null, "", location.pathname + location.search);
    return saveSession(token, fragment.get("user") ?? undefined);
  }
  const stored = sessionStorage.getItem(storageKey);
  if (stored === null) return null;
  try {
    const s = JSON.parse(stored) as { token?: unknown; username?: unknown };
    if (typeof s.token !== "string" || s.token === "") return null;
    return session(s.token, typeof s.username === "string" ? s.username : undefined);
  } catch {
    return null;
  }
}

/** Stores token (and the username, if known) for this tab and returns the session. */
export function saveSession(token: string, username: string | undefined): Session {
  sessionStorage.setItem(storageKey, JSON.stringify({ token, username }));
  return session(token, username);
}

/** Forgets the stored session. */
export function clearSession(): void {
  sessionStorage.removeItem(storageKey);
}

function session(token: string, username: string | undefined): Session {
  return { token, userId: tokenSubject(token), username };
}

/** The numeric `sub` claim of a JWT, read without checking the signature (the server checks it). */
export function tokenSubject(token: string): number | undefined {
  const payload = token.split(".")[1];
  if (payload === undefined) return undefined;
  try {
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const sub = (JSON.parse(json) as { sub?: unknown }).sub;
    const id = typeof sub === "string" && /^[0-9]+$/.test(sub) ? Number(sub) : NaN;
    return Number.isSafeInteger(id) ? id : undefined;
  } catch {
    return undefined;
  }
}
