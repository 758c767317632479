import { Piscina } from 'piscina';
import { AppError, UnavailableError, UnprocessableEntityError } from '../errors.js';
import type { InspectedUpload, InspectionReply } from './upload-inspection.js';

/**
 * Uploaded files are parsed in a small pool of worker threads, never on the API's event loop:
 * each thread has a capped heap (`resourceLimits`) and each file a time bound, so the worst a
 * hostile file can do is cost one bounded thread, which the pool then replaces. The parsers are
 * bounded on their own (input-limits.ts); the pool is the second line, for what they missed.
 *
 * Answers: the inspection's own 4xx; 422 when a thread ran out of heap or time; 503 when the
 * queue is full (more uploads waiting than the pool should ever hold).
 */

export interface UploadInspectorOptions {
  /** Worker threads at most (they start on demand and exit after 30 s idle). */
  threads?: number;
  /** Per file, from submission: queueing counts too. */
  timeoutMs?: number;
  /** Old-generation heap of one thread. */
  heapMb?: number;
  /** Files waiting for a thread beyond those being read. */
  maxQueue?: number;
}

export const UPLOAD_INSPECTION_DEFAULTS: Required<UploadInspectorOptions> = {
  threads: 2,
  timeoutMs: 5_000,
  heapMb: 64,
  maxQueue: 16,
};

export interface UploadInspector {
  inspect(bytes: Uint8Array): Promise<InspectedUpload>;
  /** Threads currently alive (for tests: a killed thread is replaced, none leak). */
  threads(): number;
  close(): Promise<void>;
}

const TOO_COSTLY = 'it is refused as too costly to read.';
const QUEUE_FULL = 'Too many files are being checked right now; try again in a few seconds.';
const STOPPING = 'The service is stopping; try again in a few seconds.';
const WORKER = new URL('./upload-worker.mjs', import.meta.url).href;

export function createUploadInspector(options: UploadInspectorOptions = {}): UploadInspector {
  const o = { ...UPLOAD_INSPECTION_DEFAULTS, ...options };
  const pool = new Piscina<Uint8Array, InspectionReply>({
    filename: WORKER,
    minThreads: 0,
    maxThreads: o.threads,
    idleTimeout: 30_000,
    concurrentTasksPerWorker: 1,
    resourceLimits: { maxOldGenerationSizeMb: o.heapMb, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 },
  });
  // Counted here: piscina keeps tasks that carry an abort signal out of its bounded queue.
  let inFlight = 0;
  // Closed with the service: a file then is not at fault for its reader ending (another replica
  // or this one restarted reads it).
  let closed = false;
  return {
    async inspect(bytes) {
      if (closed) throw new UnavailableError(STOPPING, 2);
      if (inFlight >= o.threads + o.maxQueue) throw new UnavailableError(QUEUE_FULL, 2);
      inFlight++;
      let reply: InspectionReply;
      try {
        reply = await pool.run(bytes, { signal: AbortSignal.timeout(o.timeoutMs) });
      } catch (err) {
        throw closed ? new UnavailableError(STOPPING, 2) : poolError(err, o);
      } finally {
        inFlight--;
      }
      if (!reply.ok) throw new AppError(reply.code, reply.message);
      return reply.upload;
    },
    threads: () => pool.threads.length,
    close: () => {
      closed = true;
      return pool.destroy();
    },
  };
}

function poolError(err: unknown, o: Required<UploadInspectorOptions>): Error {
  const e = err as NodeJS.ErrnoException;
  if (e?.name === 'AbortError') {
    return new UnprocessableEntityError(`The file could not be read within ${o.timeoutMs / 1000} s; ${TOO_COSTLY}`);
  }
  if (e?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new UnprocessableEntityError(`Reading the file needed more than ${o.heapMb} MiB of memory; ${TOO_COSTLY}`);
  }
  // A thread that died for another reason (a native crash on the file) is replaced by the pool;
  // a thread that cannot even start is our fault and stays a 500.
  if (/exited with code|Terminating worker thread/.test(e?.message ?? '')) {
    return new UnprocessableEntityError('The file could not be read (its reader stopped).');
  }
  return err instanceof Error ? err : new Error(String(err));
}
