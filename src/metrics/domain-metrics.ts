import { Counter, Histogram, Registry } from 'prom-client';

/**
 * What the service does, counted once per process: assertions issued and revoked, renders,
 * verifications, email and webhook deliveries. One registry per process (not per app): the
 * workers that count renders and deliveries may run in a process with no API at all, and
 * Prometheus scrapes each process (the API's /metrics, or a worker's WORKER_METRICS_PORT).
 *
 * Labels stay bounded: no org, user or credential label (an org label would grow with tenants).
 */
export const domainRegistry = new Registry();
const registers = [domainRegistry];

export const assertionsIssued = new Counter({
  name: 'badgeworks_assertions_issued_total',
  help: 'Assertions issued (new rows signed and stored), by mode (single, bulk)',
  labelNames: ['mode'] as const,
  registers,
});

export const assertionsRevoked = new Counter({
  name: 'badgeworks_assertions_revoked_total',
  help: 'Assertions revoked',
  registers,
});

/** kind: pdf, png, badge; outcome: ok, timeout, limit (the template at fault), error. */
export const renders = new Counter({
  name: 'badgeworks_renders_total',
  help: 'Files rendered by kind (pdf, png, badge) and outcome (ok, timeout, limit, error)',
  labelNames: ['kind', 'outcome'] as const,
  registers,
});

const renderDuration = new Histogram({
  name: 'badgeworks_render_duration_seconds',
  help: 'Time to render one file, by kind (pdf, png, badge) and outcome',
  labelNames: ['kind', 'outcome'] as const,
  buckets: [0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30],
  registers,
});

/** outcome: completed, skipped (revoked/unknown), retrying, failed (for good). */
export const renderJobs = new Counter({
  name: 'badgeworks_render_jobs_total',
  help: 'Render job runs by outcome (completed, skipped, retrying, failed)',
  labelNames: ['outcome'] as const,
  registers,
});

/** outcome: printed (one print, split), fell_back (printed again one by one). */
export const renderBatches = new Counter({
  name: 'badgeworks_render_batches_total',
  help: 'Prints of several certificates at once, by outcome (printed, fell_back)',
  labelNames: ['outcome'] as const,
  registers,
});

export const verifications = new Counter({
  name: 'badgeworks_verifications_total',
  help: 'Verifications by input (jwt, credential, assertion, file, page) and outcome (verified, failed, error)',
  labelNames: ['input', 'outcome'] as const,
  registers,
});

/** outcome: sent, skipped (no address), retrying, failed. */
export const emailDeliveries = new Counter({
  name: 'badgeworks_email_deliveries_total',
  help: 'Email delivery attempts by outcome (sent, skipped, retrying, failed)',
  labelNames: ['outcome'] as const,
  registers,
});

/** outcome: succeeded, retrying, failed. */
export const webhookDeliveries = new Counter({
  name: 'badgeworks_webhook_deliveries_total',
  help: 'Webhook delivery attempts by outcome (succeeded, retrying, failed)',
  labelNames: ['outcome'] as const,
  registers,
});

/** Times `run` as a render of `kind`, counting its outcome whether it returns or throws. */
export async function measureRender<T>(
  kind: 'pdf' | 'png' | 'badge',
  outcomeOf: (err: unknown) => string,
  run: () => Promise<T>,
): Promise<T> {
  const end = renderDuration.startTimer({ kind });
  let outcome = 'ok';
  try {
    return await run();
  } catch (err) {
    outcome = outcomeOf(err);
    throw err;
  } finally {
    end({ outcome });
    renders.inc({ kind, outcome });
  }
}
