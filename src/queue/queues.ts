/**
 * The queues of the system and the jobs each carries. Producers and workers import names and
 * payload types from here only, so a job's shape is declared once.
 */
export const QUEUE_NAMES = {
  issuance: 'issuance',
  render: 'render',
} as const;

export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

/** Every job names its tenant and requester, so job status is scoped like everything else. */
export interface JobOwner {
  org: string;
  requestedBy: string;
}

/** A do-nothing job that proves a worker is alive end to end. */
export interface PingJob {
  name: 'ping';
  data: JobOwner & { message: string; delayMs?: number };
  result: { pong: string; worker: number };
}

export type IssuanceJob = PingJob;
export type RenderJob = never;

export type JobOf<Q extends QueueName> = Q extends 'issuance' ? IssuanceJob : RenderJob;
