/**
 * Certificates printed together: PDFs of one template that wait for the page pool are merged into
 * one document, printed once and split into one PDF per certificate in Node.
 *
 * Why: most of a warm PDF's cost is per print, not per page (Chromium's print setup, layout and
 * Skia's document), so ten certificates in one print cost a fraction of ten prints (README, render
 * section: ~2x the certificates per second on 2 cores). A bulk of thousands is where it pays.
 *
 * When: only when every lane (one per pool page) is busy. Every render of the worker takes a lane
 * (a PNG, or a PDF that may not merge, alone). A request that finds a lane free is printed alone
 * at once; requests that arrive while all lanes print queue here by priority (a person waiting on a
 * single issue or a download first), then age, and a freed lane takes the first together with up
 * to `maxBatch - 1` more of the same group and CSS.
 *
 * What may be merged: only markup whose template says how its certificates stack one per page
 * (`stackCss`, proven per template: default-template.ts) and, in one batch, one group (the org:
 * the renderer loads images under one label, so one org's images serve the batch).
 *
 * What a split page keeps of the others (isolatePage): nothing but its place in the print. Skia
 * gives each page its own resources; font-prune.ts cuts every embedded font down to the glyphs the
 * page draws (Skia subsets a font once per document, so unpruned each page would carry the whole
 * batch's glyphs: other recipients' names, recoverable from the font) and tags it by its own
 * digest; page-resources.ts renames its resources by their use on the page. What stays is the
 * page's offset in the print, in its coordinates: which of up to `maxBatch` certificates it was.
 *
 * Failure: a batch that fails in any way (a page count other than one per certificate, a limit, a
 * crash, a timeout, a font it cannot prune) is printed again one certificate at a time, in its
 * lane, so every certificate gets exactly the outcome it would have had alone; that group and CSS
 * then print alone for `cooldownMs` (a template that times out in a batch is not batched again at
 * once). A batch may be `maxBatch` times a PDF's output limit; each certificate must be within it.
 */
import type { PDFDocument } from 'pdf-lib';
import type { Logger } from '../logger.js';
import { renderBatches } from '../metrics/domain-metrics.js';
import { RenderRetryableError } from './errors.js';
import { pruneFontsOfPage } from './font-prune.js';
import { renameResources } from './page-resources.js';
import { splitPages } from './pdf-pages.js';
import type { PngOptions, Renderer } from './renderer.js';

export interface Stacking {
  /** requests merge only within one group: the org whose images the batch may load */
  group: string;
  /** CSS appended to the template's that stacks its certificates one per page */
  stackCss: string;
}

export interface CertificateBatchesOptions {
  /** certificates per print at most; 1 prints every certificate alone */
  maxBatch: number;
  /** prints in flight at once: the renderer's page count */
  lanes: number;
  /** how long a group and CSS whose batch failed print alone; default 60 s */
  cooldownMs?: number;
  logger?: Pick<Logger, 'warn'>;
}

export interface CertificateBatchStats {
  /** prints that carried more than one certificate */
  batches: number;
  /** certificates that came out of those prints */
  batchedPdfs: number;
  /** batches printed again one by one */
  fallbacks: number;
}

/** Lower runs first, as BullMQ's priorities (a person waiting on a single issue or a download: 1). */
export interface LaneOptions {
  label: string;
  priority?: number;
}

interface Pending {
  html: string;
  css: string;
  label: string;
  stack?: Stacking;
  /** what may share a print with it; null: nothing */
  key: string | null;
  priority: number;
  /** its render alone */
  alone: () => Promise<Buffer>;
  resolve: (out: Buffer) => void;
  reject: (e: unknown) => void;
}

export interface CertificateBatches {
  /** The certificate's PDF; merged with others of its group and CSS when every lane is busy. */
  renderPdf(html: string, css: string, opts: LaneOptions & { stack?: Stacking }): Promise<Buffer>;
  /** A PNG in a lane of its own (so the worker's many jobs wait here, not at the pool's acquire timeout). */
  renderPng(html: string, css: string, opts: LaneOptions & Pick<PngOptions, 'scale'>): Promise<Buffer>;
  /** Whether most recent PDFs could be merged: the worker runs more jobs at once only then. */
  stacking(): boolean;
  stats(): CertificateBatchStats;
  /** Fails what waits for a lane (retryable: another worker takes the job); prints in flight finish. */
  close(): void;
}

/** What a page split out of a batch keeps of the others: nothing but where on the print it was. */
export function isolatePage(page: PDFDocument): void {
  pruneFontsOfPage(page);
  renameResources(page);
}

/** PDFs remembered for `stacking()`. */
const RECENT = 20;

export function certificateBatches(renderer: Renderer, opts: CertificateBatchesOptions): CertificateBatches {
  const maxBatch = Math.max(1, Math.floor(opts.maxBatch));
  const lanes = Math.max(1, opts.lanes);
  const cooldownMs = opts.cooldownMs ?? 60_000;
  const queue: Pending[] = [];
  const counts: CertificateBatchStats = { batches: 0, batchedPdfs: 0, fallbacks: 0 };
  /** keys whose last batch failed → until when they print alone */
  const cooling = new Map<string, number>();
  const recent: boolean[] = [];
  let running = 0;
  let closed = false;

  const alone = (p: Pending) => p.alone().then(p.resolve, p.reject);

  /** One print for all of `items`, split into one PDF each; throws unless each got one page within the limit. */
  async function printTogether(items: Pending[]): Promise<Buffer[]> {
    const { css, stack } = items[0];
    const { maxOutputBytes } = renderer.limits;
    const pdf = await renderer.renderPdf(items.map((p) => p.html).join('\n'), `${css}\n${stack!.stackCss}`, {
      // the org first (loadAsset serves that org's images); the rest names the batch in logs
      label: `${items[0].label} +${items.length - 1}`,
      maxPages: items.length,
      maxOutputBytes: maxOutputBytes * items.length,
    });
    const pages = await splitPages(pdf, isolatePage);
    if (pages.length !== items.length) throw new Error(`${items.length} certificates printed as ${pages.length} pages`);
    const over = pages.findIndex((p) => p.length > maxOutputBytes);
    if (over >= 0) throw new Error(`certificate ${over + 1} of the batch is ${pages[over].length} bytes`);
    return pages;
  }

  async function run(items: Pending[]): Promise<void> {
    if (items.length === 1) return alone(items[0]);
    let pages: Buffer[];
    try {
      pages = await printTogether(items);
    } catch (e) {
      counts.fallbacks++;
      renderBatches.inc({ outcome: 'fell_back' });
      cooling.set(items[0].key!, Date.now() + cooldownMs);
      opts.logger?.warn(
        { err: String(e), certificates: items.length, label: items[0].label },
        'render: a batch print failed; printing its certificates one by one',
      );
      // one at a time, in this lane: the pool is not asked for more pages than there are lanes
      for (const p of items) await alone(p);
      return;
    }
    counts.batches++;
    counts.batchedPdfs += items.length;
    renderBatches.inc({ outcome: 'printed' });
    items.forEach((p, i) => p.resolve(pages[i]));
  }

  /** Starts prints while lanes are free: the first waiting (by priority, then age), with what may join it. */
  function pump(): void {
    while (running < lanes && queue.length) {
      const first = queue.shift()!;
      const cooled = first.key !== null && (cooling.get(first.key) ?? 0) <= Date.now();
      if (cooled) cooling.delete(first.key!);
      const key = cooled ? first.key : null;
      const items: Pending[] = [first];
      for (let i = 0; key !== null && i < queue.length && items.length < maxBatch;) {
        if (queue[i].key === key) items.push(...queue.splice(i, 1));
        else i++;
      }
      running++;
      void run(items).finally(() => {
        running--;
        pump();
      });
    }
  }

  function enqueue(p: Omit<Pending, 'resolve' | 'reject'>): Promise<Buffer> {
    if (closed) return Promise.reject(new RenderRetryableError('renderer_closed', 'renderer is closed'));
    return new Promise<Buffer>((resolve, reject) => {
      const item: Pending = { ...p, resolve, reject };
      let at = queue.length; // after every other of its priority: ties go by age
      while (at > 0 && queue[at - 1].priority > item.priority) at--;
      queue.splice(at, 0, item);
      pump();
    });
  }

  return {
    renderPdf(html, css, { label, stack, priority = 0 }) {
      recent.push(stack !== undefined);
      if (recent.length > RECENT) recent.shift();
      const solo = () => renderer.renderPdf(html, css, { label });
      if (maxBatch === 1) return solo();
      // Every PDF takes a lane, those that cannot merge too: the worker runs many more jobs than
      // there are pages, and here they wait without the pool's acquire timeout.
      const key = stack ? `${stack.group}\0${stack.stackCss}\0${css}` : null;
      return enqueue({ html, css, label, stack, key, priority, alone: solo });
    },
    renderPng(html, css, { label, priority = 0, scale }) {
      const solo = () => renderer.renderPng(html, css, { label, scale });
      if (maxBatch === 1) return solo();
      return enqueue({ html, css, label, key: null, priority, alone: solo });
    },
    stacking: () => maxBatch > 1 && recent.filter(Boolean).length * 2 >= RECENT,
    stats: () => ({ ...counts }),
    close() {
      closed = true;
      for (const p of queue.splice(0)) p.reject(new RenderRetryableError('renderer_closed', 'renderer is closed'));
    },
  };
}
