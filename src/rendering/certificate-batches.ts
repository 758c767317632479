/**
 * Certificates printed together: PDFs of one template that wait for the page pool are merged into
 * one document, printed once and split into one PDF per certificate in Node.
 *
 * Why: most of a warm PDF's cost is per print, not per page (Chromium's print setup, layout and
 * Skia's document), so ten certificates in one print cost a fraction of ten prints (README, render
 * section: ~2x the certificates per second on 2 cores). A bulk of thousands is where it pays.
 *
 * When: only when every lane (one per pool page) is busy; every PDF takes a lane, one that may
 * not merge alone. A request that finds a lane free is
 * printed alone at once, so a single download or issue waits no longer than before; requests that
 * arrive while all lanes print queue here, and a freed lane takes the oldest one together with up
 * to `maxBatch - 1` more of the same group and CSS.
 *
 * What may be merged: only markup whose template says how its certificates stack one per page
 * (`stackCss`, proven per template: default-template.ts) and, in one batch, one group (the org:
 * the renderer loads images under one label, so one org's images serve the batch).
 *
 * What a split page keeps of the others: nothing. Skia gives each page its own resources, and
 * font-prune.ts cuts every embedded font down to the glyphs the page draws (Skia subsets a font
 * once per document, so unpruned each page would carry the whole batch's glyphs: other
 * recipients' names, recoverable from the font).
 *
 * Failure: a batch that fails in any way (a page count other than one per certificate, a limit, a
 * crash, a timeout, a font it cannot prune) is printed again one certificate at a time, so every
 * certificate gets exactly the outcome it would have had alone.
 */
import type { Logger } from '../logger.js';
import { renderBatches } from '../metrics/domain-metrics.js';
import { pruneFontsOfPage } from './font-prune.js';
import { splitPages } from './pdf-pages.js';
import type { Renderer } from './renderer.js';

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

interface Pending {
  html: string;
  css: string;
  label: string;
  stack?: Stacking;
  /** what may share a print with it; null: nothing (its template does not stack) */
  key: string | null;
  resolve: (pdf: Buffer) => void;
  reject: (e: unknown) => void;
}

export interface CertificateBatches {
  /** The certificate's PDF; merged with others of its group and CSS when the pool is busy. */
  renderPdf(html: string, css: string, opts: { label: string; stack?: Stacking }): Promise<Buffer>;
  stats(): CertificateBatchStats;
}

export function certificateBatches(renderer: Renderer, opts: CertificateBatchesOptions): CertificateBatches {
  const maxBatch = Math.max(1, Math.floor(opts.maxBatch));
  const lanes = Math.max(1, opts.lanes);
  const queue: Pending[] = [];
  const counts: CertificateBatchStats = { batches: 0, batchedPdfs: 0, fallbacks: 0 };
  let running = 0;

  const alone = (p: Pending) => renderer.renderPdf(p.html, p.css, { label: p.label }).then(p.resolve, p.reject);

  /** One print for all of `items`, split into one PDF each; throws unless it gave one page each. */
  async function printTogether(items: Pending[]): Promise<Buffer[]> {
    const { css, stack } = items[0];
    const pdf = await renderer.renderPdf(items.map((p) => p.html).join('\n'), `${css}\n${stack!.stackCss}`, {
      // the org first (loadAsset serves that org's images); the rest names the batch in logs
      label: `${items[0].label} +${items.length - 1}`,
      maxPages: items.length,
    });
    const pages = await splitPages(pdf, pruneFontsOfPage);
    if (pages.length !== items.length) throw new Error(`${items.length} certificates printed as ${pages.length} pages`);
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
      opts.logger?.warn(
        { err: String(e), certificates: items.length, label: items[0].label },
        'render: a batch print failed; printing its certificates one by one',
      );
      await Promise.all(items.map(alone));
      return;
    }
    counts.batches++;
    counts.batchedPdfs += items.length;
    renderBatches.inc({ outcome: 'printed' });
    items.forEach((p, i) => p.resolve(pages[i]));
  }

  /** Starts prints while lanes are free: the oldest request, with what may join it. */
  function pump(): void {
    while (running < lanes && queue.length) {
      const { key } = queue[0];
      const items: Pending[] = [queue.shift()!];
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

  return {
    renderPdf(html, css, { label, stack }) {
      if (maxBatch === 1) return renderer.renderPdf(html, css, { label });
      // Every PDF takes a lane, those that cannot merge too: the worker runs many more jobs than
      // there are pages, and here they wait without the pool's acquire timeout.
      const key = stack ? `${stack.group}\0${stack.stackCss}\0${css}` : null;
      return new Promise<Buffer>((resolve, reject) => {
        queue.push({ html, css, label, stack, key, resolve, reject });
        pump();
      });
    },
    stats: () => ({ ...counts }),
  };
}
