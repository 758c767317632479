/**
 * The queues of the system. The jobs each carries are declared by their domain
 * (src/issuance/issuance-jobs.ts, src/rendering/render-jobs.ts), once.
 */
export const QUEUE_NAMES = {
  issuance: 'issuance',
  render: 'render',
  // Notifications (issue 16): payload types live in src/webhooks/webhook-job.ts and src/mail/mail-job.ts.
  webhooks: 'webhooks',
  mail: 'mail',
} as const;

export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

/** Every job names its tenant and requester, so job status is scoped like everything else. */
export interface JobOwner {
  org: string;
  requestedBy: string;
}
