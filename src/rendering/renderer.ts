/**
 * Certificate renderer: merged HTML + CSS → PDF or PNG on the warm Chromium page pool.
 *
 * Per job, on a reused page (its own incognito context, JavaScript off, HTTP cache off):
 *  1. the service images the markup names in `src="…"` or `url(…)` are loaded with `loadAsset` and
 *     written in as data: URLs (up to 2 MB each: a Fetch round trip per image cost more Chromium
 *     CPU than decoding it; see asset-references.ts; PDFs get stored PNGs at 2 px per CSS px of
 *     their laid-out box once the layout's first PDF has measured it: print-image-sizes.ts); then the
 *     document (buildDocument: <base>, the bundled @font-face sheet linked, the CSS, the HTML) is written into the
 *     page's current document with CDP Page.setDocumentContent — no file: or temp URL, no HTTP;
 *  2. wait for the `load` event: it fires once every image and font the layout asked for is done
 *     (JS is off, so document.fonts.ready is not an option; networkidle would cost ~2 s);
 *  3. PDF: CDP Page.printToPDF (untagged, no outline, preferCSSPageSize; only the first maxPages+1
 *     pages are printed, so a 100 000-page template cannot eat the box; the screen viewport is
 *     shrunk to PRINT_VIEWPORT first, as nothing is drawn for the screen); PNG: CDP
 *     Page.captureScreenshot with optimizeForSpeed (2.2x faster than the default encoder), the
 *     viewport sized to the @page box and deviceScaleFactor = scale.
 *
 * Isolation between jobs (measured choice, see the bench): the page keeps its document for up to
 * `documentReuse` jobs, so the bundled fonts — identical, public, immutable files — stay decoded
 * (a fresh document per job re-fetches and re-decodes them: +40–60 % CPU per PDF). Job data never
 * crosses: each job's image URLs live under a random, per-job host
 * (`https://a0-<nonce>.assets.render.invalid/…`, the document's <base>; absolute URLs under the
 * asset prefix are rewritten to it), only the *current* job's host is answered, and images are
 * served `no-store` — so a later job can neither hit nor name an earlier job's resources. The DOM
 * is replaced per job; no cookie can be set (no JS, our responses carry no Set-Cookie) and cookies
 * are cleared anyway; every `documentReuse` jobs the page navigates to a fresh document, and every
 * `recyclePageAfter` jobs the page and its incognito context are replaced. `documentReuse: 1`
 * gives a brand-new document for every job.
 *
 * Network (request-interceptor.ts; hosts and CSP in job-hosts.ts): request interception answers
 * only (a) the current job's asset host, mapped back to the service's image URL and answered by
 * `loadAsset` from the file store, in Node, and (b) the bundled fonts. Everything else — other
 * hosts, loopback in any spelling, link-local, file:, ws:, the real asset origin itself — is failed
 * and reported through `onBlockedRequest`, as are CSP refusals (the page's CSP header:
 * default-src 'none', images only from the asset hosts' image path and data:, fonts only from ours
 * and data:). Chromium also runs with `--host-resolver-rules=MAP * ~NOTFOUND`: nothing could
 * connect even past interception.
 */
import { randomBytes } from 'node:crypto';
import { PDFDocument } from 'pdf-lib';
import { BrowserPool, type PoolStats, type RenderLogger } from './browser-pool.js';
import { RenderLimitError } from './errors.js';
import { measureImageBoxes } from './image-boxes.js';
import { JobHosts } from './job-hosts.js';
import { resetPage, setUpPage, waitForLoad } from './page-setup.js';
import { newPageState, type RenderPageState, type RenderSlot } from './page-state.js';
import { pageSizeOfDocument, viewportFor } from './page-size.js';
import { layoutKey, PrintImageSizes } from './print-image-sizes.js';
import {
  RenderAssets,
  type AssetRequest,
  type BlockedRequest,
  type InlinedMarkup,
  type LoadedAsset,
  type RenderCounters,
} from './render-assets.js';
import { FONT_CSS_URL } from '../template/font-faces.js';
import { buildDocument } from '../template/template.js';

export type { AssetRequest, BlockedRequest, LoadedAsset } from './render-assets.js';

/** Device pixels of one PNG: A3 landscape at 2x is 7.1 M, A4 3.6 M. */
export const MAX_PNG_PIXELS = 16_000_000;

export interface RendererOptions {
  /** Chromium binary; default chromium-headless-shell when installed, else /usr/bin/chromium */
  executablePath?: string;
  /** pool size; default CPU count */
  pages?: number;
  /** per-render time limit (excluding the wait for a free page); default 15 000 ms */
  renderTimeoutMs?: number;
  /** max pages of a PDF; default 10 */
  maxPages?: number;
  /** max bytes of a PDF or PNG; default 10 MB */
  maxOutputBytes?: number;
  /** absolute URL prefix(es) of the service's stored images, e.g. `${publicBaseUrl}/api/credentials/public/images/` */
  assetPrefix: string | readonly string[];
  /**
   * Answers an allowed image URL from the file store (null = not found). Called in Node, never over
   * HTTP; `request` tells what Chromium asked for (for logs; it never carries cookies).
   */
  loadAsset: (url: string, request: AssetRequest) => Promise<LoadedAsset | null>;
  /** every blocked request (with its URL) */
  onBlockedRequest?: (req: BlockedRequest) => void;
  logger?: RenderLogger;
  /** a page is replaced after this many jobs; default 200 */
  recyclePageAfter?: number;
  /** the browser is replaced after this many renders; default 5000 */
  restartBrowserAfter?: number;
  /** time limit of one loadAsset call; default 5000 ms */
  assetTimeoutMs?: number;
  /** max bytes of one asset; default 10 MB */
  maxAssetBytes?: number;
  /** assets up to this size are written into the document as data: URLs, bigger ones fetched; default 2 MB */
  inlineAssetMaxBytes?: number;
  /**
   * jobs a page serves with one document before navigating to a fresh one (1 = a fresh document per
   * job: strictest, ~+50 % CPU per PDF, fonts re-decoded every time); default 50
   */
  documentReuse?: number;
  /**
   * PDFs: stored PNGs written in at PRINT_PX_PER_CSS_PX pixels per CSS pixel of their laid-out
   * box once a PDF of the same layout has measured it (print-image-sizes.ts); default true
   */
  printResolutionImages?: boolean;
  /** extra Chromium flags */
  extraArgs?: string[];
}

export interface RenderJobOptions {
  /** free text (job id) attached to blocked-request reports and logs */
  label?: string;
}
export interface PdfOptions extends RenderJobOptions {
  /** overrides the renderer's maxPages for this job */
  maxPages?: number;
  /** overrides the renderer's maxOutputBytes for this job (a print of several certificates) */
  maxOutputBytes?: number;
}
export interface PngOptions extends RenderJobOptions {
  /** device scale factor; default 2 (A4 landscape → 2246×1588) */
  scale?: number;
}

export type RendererStats = PoolStats & RenderCounters & { imagesResampled: number };

export interface Renderer {
  renderPdf(html: string, css: string, opts?: PdfOptions): Promise<Buffer>;
  renderPng(html: string, css: string, opts?: PngOptions): Promise<Buffer>;
  /** launch the browser and open a page ahead of the first job */
  warmUp(): Promise<void>;
  /** closes the browser; no Chromium process is left afterwards */
  close(): Promise<void>;
  stats(): RendererStats;
  /** the current browser's pid (launches it if needed) — for health checks and tests */
  browserPid(): Promise<number | undefined>;
  /** the limits each PDF or PNG is held to */
  readonly limits: { maxOutputBytes: number };
}

const MB = 1024 * 1024;

/**
 * The screen viewport of a page while it makes a PDF. Printing lays the document out again at the
 * @page size (vw, vh and media queries follow the paper: same PDF bytes at 16 px as at 800 px), so
 * the screen frame Blink draws of every new document is waste, and at 16 × 16 it costs next to
 * nothing: ~30 → ~23 ms of Chromium CPU per PDF of the default certificate (bench/render).
 */
const PRINT_VIEWPORT = { width: 16, height: 16 };

export function createRenderer(options: RendererOptions): Renderer {
  const hosts = new JobHosts(options.assetPrefix);
  const documentReuse = Math.max(1, options.documentReuse ?? 50);
  const renderTimeoutMs = options.renderTimeoutMs ?? 15_000;
  const maxPages = options.maxPages ?? 10;
  const maxOutputBytes = options.maxOutputBytes ?? 10 * MB;
  const counters: RenderCounters = {
    pdfs: 0,
    pngs: 0,
    blockedRequests: 0,
    assetRequests: 0,
    assetsInlined: 0,
    fontRequests: 0,
    failures: {},
  };
  const assets = new RenderAssets(
    hosts,
    {
      loadAsset: options.loadAsset,
      onBlockedRequest: options.onBlockedRequest,
      logger: options.logger,
      assetTimeoutMs: options.assetTimeoutMs ?? 5000,
      maxAssetBytes: options.maxAssetBytes ?? 10 * MB,
      inlineAssetMaxBytes: options.inlineAssetMaxBytes ?? 2 * MB,
    },
    counters,
  );
  const printSizes = options.printResolutionImages === false ? null : new PrintImageSizes();
  const pool = new BrowserPool<RenderPageState>({
    executablePath: options.executablePath,
    pages: options.pages,
    recyclePageAfter: options.recyclePageAfter,
    restartBrowserAfter: options.restartBrowserAfter,
    extraArgs: options.extraArgs,
    logger: options.logger,
    newState: newPageState,
    onPageCreated: (slot) => setUpPage(slot, hosts, assets),
    onPageReleased: (slot) => resetPage(slot, documentReuse),
  });

  /** The job's markup with its images written in (PDFs: at print resolution where known). */
  function prepare(slot: RenderSlot, rawHtml: string, rawCss: string, label: string | undefined, pdf: boolean) {
    const nonce = randomBytes(8).toString('hex');
    const loaded = new Map<string, LoadedAsset | null>();
    slot.state.job = { label, nonce, assets: loaded };
    const print = pdf && printSizes ? { layout: layoutKey(rawHtml, rawCss), sizes: printSizes } : undefined;
    return assets.inline(rawHtml, rawCss, loaded, label, print).then((m) => ({ ...m, nonce, layout: print?.layout }));
  }

  /** Writes the job's document into the page and waits for its `load` event. */
  async function load(slot: RenderSlot, markup: InlinedMarkup & { nonce: string }): Promise<void> {
    const { html, css, nonce } = markup;
    const doc = buildDocument(hosts.toJobUrls(html, nonce), hosts.toJobUrls(css, nonce), {
      assetPrefixes: hosts.prefixes.map((p) => p.href),
      baseUrl: `${hosts.assetHost(0, nonce)}/`,
      cspMeta: false, // the page's CSP header applies (a meta per job would pile up in a reused document)
      // linked, not written in: a reused document keeps the sheet parsed (~1 ms of CPU per PDF)
      fontCssUrl: FONT_CSS_URL,
    });
    const done = waitForLoad(slot, renderTimeoutMs + 1000);
    await slot.cdp.send('Page.setDocumentContent', { frameId: slot.frameId, html: doc });
    await done;
  }

  async function guarded<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      const reason = (e as { reason?: string }).reason ?? 'error';
      counters.failures[reason] = (counters.failures[reason] ?? 0) + 1;
      throw e;
    }
  }

  return {
    renderPdf(html, css, opts = {}) {
      const [limit, maxBytes] = [opts.maxPages ?? maxPages, opts.maxOutputBytes ?? maxOutputBytes];
      return guarded(async () => {
        const pdf = await pool.run(async (slot) => {
          const markup = await prepare(slot, html, css, opts.label, true);
          // a layout's first PDF is laid out at the page's size too, to measure its images' boxes
          // (not for a huge @page: that screen frame alone could take the browser down)
          const page = viewportFor(pageSizeOfDocument(html, css));
          const measure =
            markup.unmeasured && markup.layout !== undefined && page.width * page.height <= MAX_PNG_PIXELS;
          await emulateViewport(slot, measure ? page : PRINT_VIEWPORT, 1);
          await load(slot, markup);
          const out = await printPdf(slot, limit);
          if (measure) await learnImageBoxes(slot, printSizes!, markup.layout!, markup.unmeasured!, options.logger);
          return out;
        }, renderTimeoutMs);
        if (pdf.length > maxBytes)
          throw new RenderLimitError('output_size', `rendered PDF is ${pdf.length} bytes (max ${maxBytes})`);
        const pages = await countPdfPages(pdf);
        if (pages > limit)
          throw new RenderLimitError('page_limit', `template produced more than ${limit} pages (max ${limit})`);
        counters.pdfs++;
        return pdf;
      });
    },

    renderPng(html, css, opts = {}) {
      const wanted = opts.scale ?? 2;
      if (!(wanted > 0 && wanted <= 4)) return Promise.reject(new RangeError('scale must be in (0, 4]'));
      const vp = viewportFor(pageSizeOfDocument(html, css));
      // A huge @page at 2x asks the compositor for gigapixels and kills the browser (every job on
      // it with it): big pages are captured at a smaller scale instead.
      const scale = Math.min(wanted, Math.sqrt(MAX_PNG_PIXELS / (vp.width * vp.height)));
      return guarded(async () => {
        const png = await pool.run(async (slot) => {
          await emulateViewport(slot, vp, scale);
          await load(slot, await prepare(slot, html, css, opts.label, false));
          return capturePng(slot);
        }, renderTimeoutMs);
        if (png.length > maxOutputBytes)
          throw new RenderLimitError('output_size', `rendered PNG is ${png.length} bytes (max ${maxOutputBytes})`);
        counters.pngs++;
        return png;
      });
    },

    limits: { maxOutputBytes },
    warmUp: () => pool.warmUp(),
    close: () => pool.close(),
    browserPid: () => pool.browserPid(),
    stats: () => ({
      ...pool.stats(),
      ...counters,
      failures: { ...counters.failures },
      imagesResampled: printSizes?.used ?? 0,
    }),
  };
}

/** Records the measured image boxes of a layout; a failed measurement only costs the resampling. */
async function learnImageBoxes(
  slot: RenderSlot,
  sizes: PrintImageSizes,
  layout: string,
  sources: Map<string, string[]>,
  logger: RenderLogger | undefined,
): Promise<void> {
  try {
    sizes.learn(layout, await measureImageBoxes(slot, sources));
  } catch (e) {
    logger?.warn?.({ err: String(e) }, 'render: image boxes could not be measured');
  }
}

/** CDP Page.printToPDF: only the first `limit` + 1 pages, so a 100 000-page template cannot eat the box. */
async function printPdf(slot: RenderSlot, limit: number): Promise<Buffer> {
  const res = await slot.cdp.send('Page.printToPDF', {
    printBackground: true,
    preferCSSPageSize: true,
    paperWidth: 11.69,
    paperHeight: 8.27,
    marginTop: 0,
    marginBottom: 0,
    marginLeft: 0,
    marginRight: 0,
    pageRanges: `1-${limit + 1}`,
    generateTaggedPDF: false,
    generateDocumentOutline: false,
    transferMode: 'ReturnAsBase64',
  });
  return Buffer.from(res.data, 'base64');
}

/** Sizes the page's viewport to the @page box at `scale` (kept while the next job asks for the same). */
async function emulateViewport(slot: RenderSlot, vp: { width: number; height: number }, scale: number): Promise<void> {
  const key = `${vp.width}x${vp.height}@${scale}`;
  if (slot.state.metrics === key) return;
  await slot.cdp.send('Emulation.setDeviceMetricsOverride', {
    width: vp.width,
    height: vp.height,
    deviceScaleFactor: scale,
    mobile: false,
    screenWidth: vp.width,
    screenHeight: vp.height,
  });
  slot.state.metrics = key;
}

async function capturePng(slot: RenderSlot): Promise<Buffer> {
  const shot = await slot.cdp.send('Page.captureScreenshot', {
    format: 'png',
    optimizeForSpeed: true,
    captureBeyondViewport: false,
    fromSurface: true,
  });
  return Buffer.from(shot.data, 'base64');
}

/**
 * Number of pages of a PDF. Chromium (Skia) writes its page tree uncompressed, so the root /Pages
 * /Count is read directly (~0.05 ms); anything else is parsed with pdf-lib (~5 ms for 60 KB).
 */
export async function countPdfPages(pdf: Uint8Array): Promise<number> {
  const text = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength).toString('latin1');
  if (text.startsWith('%PDF-') && /\/Producer \(Skia\/PDF/.test(text) && !/\/ObjStm/.test(text)) {
    let max = -1;
    for (const m of text.matchAll(/<<\s*\/Type\s*\/Pages\b[^>]*?\/Count\s+(\d+)/g)) max = Math.max(max, Number(m[1]));
    if (max >= 0) return max;
  }
  const doc = await PDFDocument.load(pdf, { updateMetadata: false, ignoreEncryption: true });
  return doc.getPageCount();
}
