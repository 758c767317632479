import type { Worker } from 'bullmq';
import type { Runtime } from '../src/runtime.js';
import { startIssuanceWorker } from './issuance.js';

/** Every worker this process runs; `close` drains in-flight jobs before returning. */
export function startWorkers(rt: Runtime): { workers: Worker[]; close(): Promise<void> } {
  const workers = [startIssuanceWorker(rt)];
  return {
    workers,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
