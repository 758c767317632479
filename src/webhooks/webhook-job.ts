import type { JobOwner } from '../queue/queues.js';

/** Jobs of the `webhooks` queue: one delivery of one event to one endpoint, and the periodic sweep. */
export interface DeliverJob {
  name: 'deliver';
  data: Pick<JobOwner, 'org'> & { deliveryId: string };
  result: { status: string; statusCode?: number };
}

/** Re-enqueues deliveries whose enqueue was lost (Redis away after the commit) and purges old events. */
export interface SweepJob {
  name: 'sweep';
  data: Record<string, never>;
  result: { requeued: number; purged: number };
}

export type WebhookJob = DeliverJob | SweepJob;
