/** One Chromium process of the pool and its reusable pages, with the way a running job learns of their death. */
import type { Browser, BrowserContext, CDPSession } from 'puppeteer-core';
import { RenderRetryableError } from './errors.js';

let nextInstanceId = 1;
let nextSlotId = 1;

/**
 * How a running job learns that its browser or page died. One per job, dropped when the job ends:
 * racing each job against a long-lived "death" promise instead would attach a reaction per job to
 * it, and every job's result would stay reachable for as long as the browser lives.
 */
export interface JobAbort {
  abort(e: Error): void;
}

/** One Chromium process; `S` is the per-page state of the pool's user. */
export class BrowserInstance<S> {
  readonly id = nextInstanceId++;
  readonly slots = new Set<PageSlot<S>>();
  readonly idle: PageSlot<S>[] = [];
  /** the jobs running on this browser's pages */
  readonly jobs = new Set<JobAbort>();
  creating = 0;
  renders = 0;
  retiring = false;
  dead = false;
  closed = false;
  /** why the browser died (set once) */
  deathError: Error | null = null;
  constructor(
    readonly browser: Browser,
    readonly pid: number | undefined,
    readonly windows: boolean,
  ) {}
  markDead(reason: string): void {
    if (this.dead) return;
    this.dead = true;
    this.deathError = new RenderRetryableError('browser_crashed', `Chromium ${reason}`);
    for (const job of [...this.jobs]) job.abort(this.deathError);
  }
  private root: Promise<CDPSession> | null = null;
  /** browser-level CDP session (Target domain) */
  rootSession(): Promise<CDPSession> {
    this.root ??= this.browser.target().createCDPSession();
    return this.root;
  }
  get busy(): number {
    return this.slots.size - this.idle.length;
  }
}

/** One reusable page; `state` is its user's (the renderer's current job, emulated size …). */
export class PageSlot<S> {
  readonly id = nextSlotId++;
  uses = 0;
  /** the job running on the page, if any */
  job: JobAbort | null = null;
  /** set when the page crashed or was detached (a job given this page fails at once) */
  crashError: Error | null = null;
  constructor(
    readonly instance: BrowserInstance<S>,
    readonly context: BrowserContext,
    readonly targetId: string,
    readonly cdp: CDPSession,
    readonly frameId: string,
    readonly state: S,
  ) {}
  markCrashed(): void {
    this.crashError ??= new RenderRetryableError('browser_crashed', 'the render page crashed');
    this.job?.abort(this.crashError);
  }
}
