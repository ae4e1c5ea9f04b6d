// Reconnect delays: exponential backoff with jitter, so that clients cut off
// together (a server restart) do not all come back at the same instant.
/**
 * The delay before reconnect attempt `attempt` (0 for the first): a ceiling
 * of initialDelayMs·factor^attempt, capped at maxDelayMs, of which half is
 * fixed and half random ("equal jitter"), so that the delay still grows while
 * clients spread out. `random` returns a number in [0, 1).
 */
export function backoffDelay(attempt, opts = {}, random = Math.random) {
    const initial = opts.initialDelayMs ?? 500;
    const max = opts.maxDelayMs ?? 30000;
    const factor = opts.factor ?? 2;
    const ceiling = Math.min(max, initial * Math.pow(factor, attempt));
    return ceiling / 2 + random() * (ceiling / 2);
}
