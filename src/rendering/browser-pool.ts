/**
 * One Chromium per process and a fixed pool of reusable pages.
 *
 * - Launch: puppeteer-core over a pipe; the configured executable, else chromium-headless-shell when
 *   installed (`headless: 'shell'`), else /usr/bin/chromium (new headless; pages opened as windows,
 *   tabs can hang on screenshots there).
 * - Each pool page lives in its own incognito BrowserContext (own cookie jar / storage / cache), made
 *   once per page: a context per *job* would need a new page per job, 3–4x the CPU of a render.
 * - Pages are recycled after `recyclePageAfter` uses; the browser is replaced after
 *   `restartBrowserAfter` renders (the old one drains, then closes), on crash / disconnect, and when
 *   a timed-out page cannot be closed.
 * - `run(fn)` gives `fn` a page for one job, bounded by a time limit; timeouts and crashes become
 *   RenderRetryableError, and the pool heals before the next job.
 */
import os from 'node:os';
import { chromiumExecutable } from '../embedded/chromium.js';
import { BrowserInstance, PageSlot, type JobAbort } from './browser-instance.js';
import { closeChromium, isHeadlessShell, jobFailure, launchChromium } from './chromium-launch.js';
import { RenderLimitError, RenderRetryableError } from './errors.js';

export interface RenderLogger {
  debug?(obj: Record<string, unknown>, msg?: string): void;
  info?(obj: Record<string, unknown>, msg?: string): void;
  warn?(obj: Record<string, unknown>, msg?: string): void;
  error?(obj: Record<string, unknown>, msg?: string): void;
}

export interface BrowserPoolOptions<S> {
  executablePath?: string;
  /** pool size; default: CPU count */
  pages?: number;
  /** a page is closed and replaced after this many jobs (memory grows ~65 MB per 500); default 200 */
  recyclePageAfter?: number;
  /** the browser is replaced after this many renders; default 5000 */
  restartBrowserAfter?: number;
  /** how long a job may wait for a free page; default 60 s */
  acquireTimeoutMs?: number;
  launchTimeoutMs?: number;
  extraArgs?: string[];
  logger?: RenderLogger;
  /** the initial state of a new page */
  newState: () => S;
  /** set up a new page (interception, emulation); runs once per page */
  onPageCreated: (slot: PageSlot<S>) => Promise<void>;
  /** reset a page after a job (fresh document, no cookies); a throw discards the page */
  onPageReleased: (slot: PageSlot<S>) => Promise<void>;
}

export interface PoolStats {
  browserPid: number | null;
  browserLaunches: number;
  browserRestarts: { crash: number; recycle: number; hang: number };
  pages: number;
  pagesBusy: number;
  pagesCreated: number;
  pagesRecycled: number;
  waiting: number;
  jobs: number;
  timeouts: number;
  crashes: number;
}

/** The pool; `S` is the per-page state its user keeps on each {@link PageSlot}. */
export class BrowserPool<S> {
  private readonly size: number;
  private readonly recycleAfter: number;
  private readonly restartAfter: number;
  private readonly acquireTimeoutMs: number;
  private readonly executablePath: string;
  private instance: BrowserInstance<S> | null = null;
  private launching: Promise<BrowserInstance<S>> | null = null;
  private readonly draining = new Set<BrowserInstance<S>>();
  private waiters: Array<() => void> = [];
  private closed = false;
  private readonly s = {
    browserLaunches: 0,
    browserRestarts: { crash: 0, recycle: 0, hang: 0 },
    pagesCreated: 0,
    pagesRecycled: 0,
    jobs: 0,
    timeouts: 0,
    crashes: 0,
  };

  constructor(private readonly opts: BrowserPoolOptions<S>) {
    this.size = Math.max(
      1,
      opts.pages ?? (typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length),
    );
    this.recycleAfter = Math.max(1, opts.recyclePageAfter ?? 200);
    this.restartAfter = Math.max(1, opts.restartBrowserAfter ?? 5000);
    this.acquireTimeoutMs = opts.acquireTimeoutMs ?? 60_000;
    this.executablePath = chromiumExecutable(opts.executablePath);
  }

  get executable(): string {
    return this.executablePath;
  }

  /** The current browser's pid (for tests and health checks), launching it if needed. */
  async browserPid(): Promise<number | undefined> {
    return (await this.ensureInstance()).pid;
  }

  /** Launches the browser and opens one page, so the first job does not pay for it. */
  async warmUp(): Promise<void> {
    const slot = await this.acquire(Date.now() + this.acquireTimeoutMs);
    this.releaseIdle(slot);
  }

  stats(): PoolStats {
    const inst = this.instance;
    return {
      browserPid: inst?.pid ?? null,
      ...this.s,
      browserRestarts: { ...this.s.browserRestarts },
      pages: inst?.slots.size ?? 0,
      pagesBusy: inst ? inst.busy : 0,
      waiting: this.waiters.length,
    };
  }

  /**
   * Runs one job on a pool page within `timeoutMs` (queue wait not included). A timeout, a crashed
   * page or browser → RenderRetryableError; the page/browser is replaced.
   */
  async run<T>(fn: (slot: PageSlot<S>) => Promise<T>, timeoutMs: number): Promise<T> {
    if (this.closed) throw new RenderRetryableError('renderer_closed', 'renderer is closed');
    const slot = await this.acquire(Date.now() + this.acquireTimeoutMs);
    const inst = slot.instance;
    this.s.jobs++;
    let timer: NodeJS.Timeout | undefined;
    const job: JobAbort = { abort: () => undefined };
    // Settles only if the job is cut short: timeout, page crash, browser death. Reachable from the
    // slot and the instance only while the job runs.
    const aborted = new Promise<never>((_, reject) => {
      job.abort = reject;
      timer = setTimeout(
        () => reject(new RenderRetryableError('timeout', `render did not finish within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    aborted.catch(() => undefined);
    slot.job = job;
    inst.jobs.add(job);
    const early = inst.deathError ?? slot.crashError;
    if (early) job.abort(early);
    try {
      const work = fn(slot);
      work.catch(() => undefined);
      const result = await Promise.race([work, aborted]);
      this.release(slot);
      return result;
    } catch (e) {
      const err = jobFailure(e, inst.dead);
      if (err instanceof RenderLimitError) {
        this.release(slot);
      } else if (err instanceof RenderRetryableError && err.reason === 'timeout') {
        this.s.timeouts++;
        this.discardSlot(slot, true);
      } else if (inst.dead) {
        this.s.crashes++;
        this.handleDeath(inst);
      } else {
        // page crashed or protocol error on this page: replace the page only
        if (err instanceof RenderRetryableError) this.s.crashes++;
        this.discardSlot(slot, true);
      }
      throw err;
    } finally {
      clearTimeout(timer);
      inst.jobs.delete(job);
      if (slot.job === job) slot.job = null;
    }
  }

  /** Closes everything; no Chromium process is left when the promise resolves. */
  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w();
    const all = new Set<BrowserInstance<S>>([...this.draining]);
    if (this.instance) all.add(this.instance);
    if (this.launching) {
      try {
        all.add(await this.launching);
      } catch {
        /* launch failed: nothing to close */
      }
    }
    this.instance = null;
    await Promise.all([...all].map((i) => this.closeInstance(i)));
  }

  // ---------------------------------------------------------------------------------------------

  private wake(): void {
    const ws = this.waiters.splice(0);
    for (const w of ws) w();
  }

  private async acquire(deadline: number): Promise<PageSlot<S>> {
    for (;;) {
      if (this.closed) throw new RenderRetryableError('renderer_closed', 'renderer is closed');
      const inst = await this.ensureInstance();
      const idle = inst.idle.pop();
      if (idle?.crashError) {
        this.discardSlot(idle, true);
        continue;
      }
      if (idle) return idle;
      if (inst.slots.size + inst.creating < this.size) {
        inst.creating++;
        try {
          const slot = await this.createSlot(inst);
          return slot;
        } catch (e) {
          if (inst.dead || !inst.browser.connected) {
            this.handleDeath(inst);
            continue;
          }
          throw new RenderRetryableError('browser_unavailable', `could not open a page: ${(e as Error).message}`, {
            cause: e,
          });
        } finally {
          inst.creating--;
        }
      }
      const left = deadline - Date.now();
      if (left <= 0)
        throw new RenderRetryableError('browser_unavailable', `no free render page within ${this.acquireTimeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, Math.min(left, 1000));
        function done() {
          clearTimeout(t);
          resolve();
        }
        this.waiters.push(done);
      });
    }
  }

  private async ensureInstance(): Promise<BrowserInstance<S>> {
    const cur = this.instance;
    if (cur && !cur.dead && !cur.retiring) return cur;
    if (!this.launching) {
      this.launching = this.launch().finally(() => {
        this.launching = null;
      });
    }
    return this.launching;
  }

  private async launch(): Promise<BrowserInstance<S>> {
    const exe = this.executablePath;
    const shell = isHeadlessShell(exe);
    const browser = await launchChromium(exe, this.opts.extraArgs, this.opts.launchTimeoutMs ?? 30_000);
    const inst = new BrowserInstance<S>(browser, browser.process()?.pid, !shell);
    this.s.browserLaunches++;
    browser.on('disconnected', () => {
      if (!inst.closed) {
        this.opts.logger?.warn?.({ pid: inst.pid }, 'render browser disconnected');
        inst.markDead('disconnected');
        this.handleDeath(inst);
      }
    });
    if (this.closed) {
      await this.closeInstance(inst);
      throw new RenderRetryableError('renderer_closed', 'renderer is closed');
    }
    this.instance = inst;
    this.opts.logger?.info?.({ pid: inst.pid, executable: exe }, 'render browser started');
    return inst;
  }

  /**
   * A page in its own incognito context, driven over a raw CDP session: no puppeteer Page object,
   * so nothing else (isolated worlds, lifecycle and network bookkeeping) runs on every job.
   */
  private async createSlot(inst: BrowserInstance<S>): Promise<PageSlot<S>> {
    const context = await inst.browser.createBrowserContext();
    try {
      const root = await inst.rootSession();
      const { targetId } = await root.send('Target.createTarget', {
        url: 'about:blank',
        browserContextId: context.id,
        newWindow: inst.windows,
        background: true,
      });
      const { sessionId } = await root.send('Target.attachToTarget', { targetId, flatten: true });
      const cdp = root.connection()?.session(sessionId);
      if (!cdp) throw new Error('could not attach to the render page');
      const { frameTree } = await cdp.send('Page.getFrameTree');
      const slot = new PageSlot<S>(inst, context, targetId, cdp, frameTree.frame.id, this.opts.newState());
      const crashed = () => slot.markCrashed();
      cdp.on('Inspector.targetCrashed', crashed);
      cdp.on('Inspector.detached', crashed);
      await cdp.send('Inspector.enable');
      await this.opts.onPageCreated(slot);
      inst.slots.add(slot);
      this.s.pagesCreated++;
      return slot;
    } catch (e) {
      await context.close().catch(() => undefined);
      throw e;
    }
  }

  /** After a successful (or template-limited) job: count, reset the page in the background, return it. */
  private release(slot: PageSlot<S>): void {
    const inst = slot.instance;
    slot.uses++;
    inst.renders++;
    if (inst.renders >= this.restartAfter && !inst.retiring && this.instance === inst) {
      inst.retiring = true;
      this.instance = null;
      this.draining.add(inst);
      this.s.browserRestarts.recycle++;
      this.opts.logger?.info?.({ pid: inst.pid, renders: inst.renders }, 'replacing render browser (render count)');
    }
    if (slot.uses >= this.recycleAfter || inst.retiring || inst.dead) {
      if (slot.uses >= this.recycleAfter) this.s.pagesRecycled++;
      this.discardSlot(slot, false);
      return;
    }
    this.opts.onPageReleased(slot).then(
      () => this.releaseIdle(slot),
      (e) => {
        this.opts.logger?.warn?.({ err: String(e) }, 'render page reset failed; replacing it');
        this.discardSlot(slot, true);
      },
    );
  }

  private releaseIdle(slot: PageSlot<S>): void {
    const inst = slot.instance;
    if (inst.dead || inst.retiring || !inst.slots.has(slot) || slot.crashError) {
      this.discardSlot(slot, slot.crashError !== null);
      return;
    }
    inst.idle.push(slot);
    this.wake();
  }

  /** Removes a page; `suspect` = it may be hung, so a close that does not finish kills the browser. */
  private discardSlot(slot: PageSlot<S>, suspect: boolean): void {
    const inst = slot.instance;
    const was = inst.slots.delete(slot);
    const i = inst.idle.indexOf(slot);
    if (i >= 0) inst.idle.splice(i, 1);
    this.wake();
    if (!was || inst.dead) {
      this.maybeFinishDrain(inst);
      return;
    }
    const closing = slot.context.close();
    const guard = new Promise<'hung'>((r) => setTimeout(() => r('hung'), 3000).unref());
    Promise.race([closing.then(() => 'ok' as const), guard]).then(
      (r) => {
        if (r === 'hung' && suspect && !inst.dead) {
          this.opts.logger?.warn?.({ pid: inst.pid }, 'render page did not close; restarting the browser');
          this.s.browserRestarts.hang++;
          inst.markDead('hung');
          this.handleDeath(inst);
        }
        this.maybeFinishDrain(inst);
      },
      () => {
        if (suspect && !inst.dead && !inst.browser.connected) this.handleDeath(inst);
        this.maybeFinishDrain(inst);
      },
    );
  }

  private maybeFinishDrain(inst: BrowserInstance<S>): void {
    if (inst.retiring && inst.slots.size === 0 && inst.creating === 0 && !inst.closed) {
      this.draining.delete(inst);
      void this.closeInstance(inst);
    }
  }

  private handleDeath(inst: BrowserInstance<S>): void {
    if (!inst.dead) inst.markDead('failed');
    if (this.instance === inst) {
      this.instance = null;
      if (!inst.closed) this.s.browserRestarts.crash++;
    }
    this.draining.delete(inst);
    inst.slots.clear();
    inst.idle.length = 0;
    void this.closeInstance(inst);
    this.wake();
  }

  private async closeInstance(inst: BrowserInstance<S>): Promise<void> {
    if (inst.closed) return;
    inst.closed = true;
    inst.markDead('closed');
    await closeChromium(inst.browser, inst.pid);
    this.opts.logger?.info?.({ pid: inst.pid }, 'render browser closed');
  }
}
