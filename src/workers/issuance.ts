import type { Worker } from 'bullmq';
import type { Runtime } from '../runtime.js';
import { createWorker } from '../queue/worker-factory.js';
import { QUEUE_NAMES } from '../queue/queues.js';
import { issuanceProcessor } from './issuance-processor.js';

/** The issuance worker: signs and stores assertions (single, bulk chunks, signals). */
export function startIssuanceWorker(rt: Runtime): Worker {
  return createWorker(rt, QUEUE_NAMES.issuance, issuanceProcessor(rt));
}
