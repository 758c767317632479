import type { Worker } from 'bullmq';
import type { Runtime } from '../src/runtime.js';
import { createWorker } from '../src/queue/worker-factory.js';
import { QUEUE_NAMES } from '../src/queue/queues.js';
import { issuanceProcessor } from '../src/issuance/issuance-processor.js';

/** The issuance worker: signs and stores assertions (single, bulk chunks, signals). */
export function startIssuanceWorker(rt: Runtime): Worker {
  return createWorker(rt, QUEUE_NAMES.issuance, issuanceProcessor(rt));
}
