// Sign-in: the token comes in the URL fragment of the link that
// `chatwasm token USER --url` prints (#token=...&user=...), which browsers do
// not send to servers nor put in Referer headers. It is kept in
// sessionStorage (this tab only, gone when the tab closes) and removed from
// the address bar at once.
const storageKey = "chatwasm.session";
/**
 * Returns the session: a token from the fragment (which then replaces the
 * stored one and is removed from the address bar), else the stored one, else
 * null.
 */
export function loadSession() {
    const fragment = new URLSearchParams(location.hash.slice(1));
    const token = fragment.get("token");
    if (token) {
        history.replaceState(null, "", location.pathname + location.search);
        return saveSession(token, fragment.get("user") ?? undefined);
    }
    const stored = sessionStorage.getItem(storageKey);
    if (stored === null)
        return null;
    try {
        const s = JSON.parse(stored);
        if (typeof s.token !== "string" || s.token === "")
            return null;
        return session(s.token, typeof s.username === "string" ? s.username : undefined);
    }
    catch {
        return null;
    }
}
/** Stores token (and the username, if known) for this tab and returns the session. */
export function saveSession(token, username) {
    sessionStorage.setItem(storageKey, JSON.stringify({ token, username }));
    return session(token, username);
}
/** Forgets the stored session. */
export function clearSession() {
    sessionStorage.removeItem(storageKey);
}
function session(token, username) {
    return { token, userId: tokenSubject(token), username };
}
/** The numeric `sub` claim of a JWT, read without checking the signature (the server checks it). */
export function tokenSubject(token) {
    const payload = token.split(".")[1];
    if (payload === undefined)
        return undefined;
    try {
        const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
        const sub = JSON.parse(json).sub;
        const id = typeof sub === "string" && /^[0-9]+$/.test(sub) ? Number(sub) : NaN;
        return Number.isSafeInteger(id) ? id : undefined;
    }
    catch {
        return undefined;
    }
}
