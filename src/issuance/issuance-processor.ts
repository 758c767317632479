import type { Job } from 'bullmq';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Runtime } from '../runtime.js';
import type { IssuanceJob, PingJob } from '../queue/queues.js';

/** Dispatches issuance-queue jobs by name to the services that do the work. */
export function issuanceProcessor(_rt: Runtime) {
  return async (job: Job): Promise<IssuanceJob['result']> => {
    switch (job.name as IssuanceJob['name']) {
      case 'ping':
        return ping(job.data as PingJob['data']);
      default:
        throw new Error(`Unknown issuance job "${job.name as string}"`);
    }
  };
}

async function ping(data: PingJob['data']): Promise<PingJob['result']> {
  if (data.delayMs) await sleep(data.delayMs);
  return { pong: data.message, worker: process.pid };
}
