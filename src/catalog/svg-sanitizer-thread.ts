/**
 * Runs the SVG sanitizer off the main event loop: an uploaded SVG (up to 5 MiB) costs a worker
 * thread with its own heap limit and a time limit, never the API's event loop. One thread, one
 * SVG at a time (uploads of SVGs are rare; a queue keeps the cost of a burst to one core); the
 * thread is started on demand, ended when idle, and replaced when it is killed for a limit.
 */
import { Worker } from 'node:worker_threads';
import { SvgLimitError, SvgRejectedError, type SanitizedSvg } from './svg-sanitizer.js';
import type { SvgJobReply } from './svg-sanitizer-worker.js';

export interface SvgSanitizerThreadOptions {
  /** wall time of one SVG before its thread is killed; default 20 s (5 MiB took ≤ 5 s on a loaded 2-core box) */
  timeLimitMs?: number;
  /** old-generation heap of the thread; default 384 MB */
  heapLimitMb?: number;
  /** the thread ends after this long without work; default 30 s */
  idleMs?: number;
}

interface Pending {
  id: number;
  bytes: Uint8Array;
  resolve(v: SanitizedSvg): void;
  reject(e: Error): void;
}

const BOOT = new URL('./ts-worker-boot.mjs', import.meta.url);
const ENTRY = new URL('./svg-sanitizer-worker.ts', import.meta.url).href;

export function svgSanitizerThread(opts: SvgSanitizerThreadOptions = {}) {
  const timeLimitMs = opts.timeLimitMs ?? 20_000;
  const heapLimitMb = opts.heapLimitMb ?? 384;
  const idleMs = opts.idleMs ?? 30_000;
  const queue: Pending[] = [];
  let worker: Worker | null = null;
  /** the current worker has loaded its module */
  let ready = false;
  let current: Pending | null = null;
  let timer: NodeJS.Timeout | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  let nextId = 1;

  function start(): Worker {
    ready = false;
    const w = new Worker(BOOT, {
      workerData: { entry: ENTRY },
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: heapLimitMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
    });
    w.unref(); // a waiting upload holds the process, not an idle thread
    w.on('message', (reply: SvgJobReply) => {
      if (reply.ready) {
        if (worker !== w) return;
        ready = true;
        if (current) post(w, current);
        return;
      }
      const job = current;
      if (!job || reply.id !== job.id) return;
      finish();
      if (reply.result) job.resolve(reply.result);
      else if (reply.error?.kind === 'limit') job.reject(new SvgLimitError(reply.error.message));
      else if (reply.error?.kind === 'rejected') job.reject(new SvgRejectedError(reply.error.message));
      else job.reject(new Error(`SVG sanitizer failed: ${reply.error?.message}`));
      next();
    });
    const died = (why: (job: Pending) => Error) => {
      if (worker !== w) return;
      worker = null;
      const job = current;
      finish();
      if (job) job.reject(why(job));
      next();
    };
    w.on('error', (e: Error & { code?: string }) =>
      died(() =>
        e.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new SvgLimitError('The SVG needs more memory to process than an upload may use; simplify the drawing.')
          : new Error(`SVG sanitizer thread failed: ${e.message}`),
      ),
    );
    w.on('exit', () => died(() => new Error('SVG sanitizer thread exited')));
    return w;
  }

  function finish(): void {
    clearTimeout(timer);
    current = null;
    worker?.unref();
  }

  function next(): void {
    if (current) return;
    const job = queue.shift();
    if (!job) {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => void stop(), idleMs).unref();
      return;
    }
    clearTimeout(idleTimer);
    current = job;
    worker ??= start();
    worker.ref();
    if (ready) post(worker, job);
  }

  /** Hands the job to a loaded thread; its time limit runs from here. */
  function post(w: Worker, job: Pending): void {
    timer = setTimeout(() => {
      if (worker !== w || current !== job) return;
      worker = null;
      finish();
      void w.terminate();
      job.reject(new SvgLimitError(`The SVG took more than ${timeLimitMs / 1000} s to check; simplify the drawing.`));
      next();
    }, timeLimitMs);
    // a tight copy: posting a view would clone the whole ArrayBuffer behind it
    w.postMessage({ id: job.id, bytes: new Uint8Array(job.bytes) });
  }

  async function stop(): Promise<void> {
    const w = worker;
    worker = null;
    if (w) await w.terminate();
  }

  return {
    /** sanitizeSvg, off the event loop; SvgLimitError / SvgRejectedError as the pure function throws them */
    sanitize(bytes: Uint8Array): Promise<SanitizedSvg> {
      return new Promise<SanitizedSvg>((resolve, reject) => {
        queue.push({ id: nextId++, bytes, resolve, reject });
        next();
      });
    },
    /** ends the thread (waiting jobs fail) */
    async close(): Promise<void> {
      for (const job of queue.splice(0)) job.reject(new Error('SVG sanitizer closed'));
      clearTimeout(idleTimer);
      const job = current;
      finish();
      job?.reject(new Error('SVG sanitizer closed'));
      await stop();
    },
  };
}

export type SvgSanitizerThread = ReturnType<typeof svgSanitizerThread>;
