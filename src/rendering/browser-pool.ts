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
import { existsSync } from 'node:fs';
import os from 'node:os';
import puppeteer, { type Browser, type BrowserContext, type CDPSession } from 'puppeteer-core';
import { RenderLimitError, RenderRetryableError } from './errors.js';

export const HEADLESS_SHELL_PATH = '/usr/lib/chromium/chromium-headless-shell';
export const CHROMIUM_PATH = '/usr/bin/chromium';

export interface RenderLogger {
  debug?(obj: Record<string, unknown>, msg?: string): void;
  info?(obj: Record<string, unknown>, msg?: string): void;
  warn?(obj: Record<string, unknown>, msg?: string): void;
  error?(obj: Record<string, unknown>, msg?: string): void;
}

export interface BrowserPoolOptions {
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
  /** set up a new page (interception, emulation); runs once per page */
  onPageCreated: (slot: PageSlot) => Promise<void>;
  /** reset a page after a job (fresh document, no cookies); a throw discards the page */
  onPageReleased: (slot: PageSlot) => Promise<void>;
}

/** Chromium flags: the brief's set, plus what the measurements showed helps (see notes in renderer.ts). */
export function chromiumArgs(extra: string[] = []): string[] {
  return [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-dev-shm-usage',
    // Second wall behind request interception: no host name (nor IP literal) resolves at all.
    '--host-resolver-rules=MAP * ~NOTFOUND',
    // Cheaper per-job navigation to about:blank (measured: ~40 ms -> ~14 ms wall) and no throttling
    // of background pool pages.
    '--disable-features=BackForwardCache,RenderDocument,PaintHolding,Translate,MediaRouter,OptimizationHints,AutofillServerCommunication,InterestFeedContentSuggestions,CertificateTransparencyComponentUpdater',
    '--disable-renderer-backgrounding',
    '--disable-background-timer-throttling',
    '--disable-backgrounding-occluded-windows',
    '--disable-breakpad',
    '--disable-crash-reporter',
    '--disable-domain-reliability',
    '--disable-client-side-phishing-detection',
    '--no-pings',
    '--font-render-hinting=none',
    '--force-color-profile=srgb',
    '--hide-scrollbars',
    '--mute-audio',
    ...extra,
  ];
}

export function resolveExecutablePath(configured?: string): string {
  if (configured) return configured;
  if (existsSync(HEADLESS_SHELL_PATH)) return HEADLESS_SHELL_PATH;
  return CHROMIUM_PATH;
}

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

/** One Chromium process. */
export class BrowserInstance {
  readonly id = nextInstanceId++;
  readonly slots = new Set<PageSlot>();
  readonly idle: PageSlot[] = [];
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

/** One reusable page. */
export class PageSlot {
  readonly id = nextSlotId++;
  uses = 0;
  /** the renderer's per-page state (current job, emulated size …) */
  state: Record<string, unknown> = {};
  /** the job running on the page, if any */
  job: JobAbort | null = null;
  /** set when the page crashed or was detached (a job given this page fails at once) */
  crashError: Error | null = null;
  constructor(
    readonly instance: BrowserInstance,
    readonly context: BrowserContext,
    readonly targetId: string,
    readonly cdp: CDPSession,
    readonly frameId: string,
  ) {}
  markCrashed(): void {
    this.crashError ??= new RenderRetryableError('browser_crashed', 'the render page crashed');
    this.job?.abort(this.crashError);
  }
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

export class BrowserPool {
  private readonly size: number;
  private readonly recycleAfter: number;
  private readonly restartAfter: number;
  private readonly acquireTimeoutMs: number;
  private readonly executablePath: string;
  private instance: BrowserInstance | null = null;
  private launching: Promise<BrowserInstance> | null = null;
  private readonly draining = new Set<BrowserInstance>();
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

  constructor(private readonly opts: BrowserPoolOptions) {
    this.size = Math.max(
      1,
      opts.pages ?? (typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length),
    );
    this.recycleAfter = Math.max(1, opts.recyclePageAfter ?? 200);
    this.restartAfter = Math.max(1, opts.restartBrowserAfter ?? 5000);
    this.acquireTimeoutMs = opts.acquireTimeoutMs ?? 60_000;
    this.executablePath = resolveExecutablePath(opts.executablePath);
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
  async run<T>(fn: (slot: PageSlot) => Promise<T>, timeoutMs: number): Promise<T> {
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
      const err = this.classify(e, inst);
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
    const all = new Set<BrowserInstance>([...this.draining]);
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

  private classify(e: unknown, inst: BrowserInstance): Error {
    if (e instanceof RenderRetryableError || e instanceof RenderLimitError) return e;
    const msg = String((e as Error)?.message ?? e);
    if (
      inst.dead ||
      /Target closed|Session closed|Connection closed|has been closed|detached|crashed|Protocol error|ProtocolError|Navigating frame was detached|Browser disconnected/i.test(
        msg,
      )
    ) {
      return new RenderRetryableError('browser_crashed', `Chromium failed during the render: ${msg.split('\n')[0]}`, {
        cause: e,
      });
    }
    return e instanceof Error ? e : new Error(msg);
  }

  private wake(): void {
    const ws = this.waiters.splice(0);
    for (const w of ws) w();
  }

  private async acquire(deadline: number): Promise<PageSlot> {
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

  private async ensureInstance(): Promise<BrowserInstance> {
    const cur = this.instance;
    if (cur && !cur.dead && !cur.retiring) return cur;
    if (!this.launching) {
      this.launching = this.launch().finally(() => {
        this.launching = null;
      });
    }
    return this.launching;
  }

  private async launch(): Promise<BrowserInstance> {
    const exe = this.executablePath;
    const shell = /headless[-_]shell/.test(exe);
    let browser: Browser;
    try {
      browser = await puppeteer.launch({
        executablePath: exe,
        headless: shell ? 'shell' : true,
        pipe: true,
        args: chromiumArgs(this.opts.extraArgs),
        // tagged PDFs and outlines cost 5–10 % and are off; automation infobar is irrelevant
        ignoreDefaultArgs: ['--export-tagged-pdf', '--generate-pdf-document-outline', '--enable-automation'],
        defaultViewport: null,
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
        timeout: this.opts.launchTimeoutMs ?? 30_000,
        protocolTimeout: 60_000,
      });
    } catch (e) {
      throw new RenderRetryableError(
        'browser_unavailable',
        `could not start Chromium (${exe}): ${(e as Error).message.split('\n')[0]}`,
        { cause: e },
      );
    }
    const inst = new BrowserInstance(browser, browser.process()?.pid, !shell);
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
  private async createSlot(inst: BrowserInstance): Promise<PageSlot> {
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
      const slot = new PageSlot(inst, context, targetId, cdp, frameTree.frame.id);
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
  private release(slot: PageSlot): void {
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

  private releaseIdle(slot: PageSlot): void {
    const inst = slot.instance;
    if (inst.dead || inst.retiring || !inst.slots.has(slot) || slot.crashError) {
      this.discardSlot(slot, slot.crashError !== null);
      return;
    }
    inst.idle.push(slot);
    this.wake();
  }

  /** Removes a page; `suspect` = it may be hung, so a close that does not finish kills the browser. */
  private discardSlot(slot: PageSlot, suspect: boolean): void {
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

  private maybeFinishDrain(inst: BrowserInstance): void {
    if (inst.retiring && inst.slots.size === 0 && inst.creating === 0 && !inst.closed) {
      this.draining.delete(inst);
      void this.closeInstance(inst);
    }
  }

  private handleDeath(inst: BrowserInstance): void {
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

  private async closeInstance(inst: BrowserInstance): Promise<void> {
    if (inst.closed) return;
    inst.closed = true;
    inst.markDead('closed');
    const proc = inst.browser.process();
    const exited = new Promise<void>((resolve) => {
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once('exit', () => resolve());
    });
    const gentle = inst.browser.connected ? inst.browser.close().catch(() => undefined) : Promise.resolve();
    const timeout = new Promise<'t'>((r) => setTimeout(() => r('t'), 5000).unref());
    await Promise.race([gentle, timeout]);
    killTree(inst.pid);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000).unref())]);
    this.opts.logger?.info?.({ pid: inst.pid }, 'render browser closed');
  }
}

/** SIGKILL the browser's process group (puppeteer starts Chromium detached, as a group leader). */
function killTree(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* group already gone */
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}
