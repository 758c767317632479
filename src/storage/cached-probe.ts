/** How long a store probe's outcome answers /readyz before the next probe runs. */
const STORE_PROBE_TTL_MS = 5_000;

/**
 * A probe whose outcome (success or failure) is reused for `ttlMs`, and whose run is shared by
 * the polls that arrive while it runs: health checks every second from several load balancers
 * cost at most one put/get/delete on the store per `ttlMs` per process. A store that fails or
 * recovers shows in /readyz within `ttlMs` (plus the probe's own time).
 */
export function cachedProbe(probe: () => Promise<void>, ttlMs = STORE_PROBE_TTL_MS, now = () => Date.now()) {
  let last: { at: number; outcome: Promise<void> } | undefined;
  return (): Promise<void> => {
    const t = now();
    if (!last || t - last.at >= ttlMs) {
      const outcome = probe();
      const entry = { at: t, outcome };
      last = entry;
      // Counted from when the probe ended, so a slow probe is not re-run at once. (This handler
      // also keeps a cached rejection from counting as unhandled; callers still receive it.)
      const settled = () => {
        entry.at = now();
      };
      outcome.then(settled, settled);
    }
    return last.outcome;
  };
}
