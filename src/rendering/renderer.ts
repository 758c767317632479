/**
 * Certificate renderer: merged HTML + CSS → PDF or PNG on the warm Chromium page pool.
 *
 * Per job, on a reused page (its own incognito context, JavaScript off, HTTP cache off):
 *  1. the service images the markup names in `src="…"` or `url(…)` are loaded with `loadAsset` and
 *     written in as data: URLs (up to 2 MB each: a Fetch round trip per image cost more Chromium
 *     CPU than decoding it; see asset-references.ts); then the document (buildDocument: <base>,
 *     bundled @font-face, the CSS, the HTML) is written into the page's current document with CDP
 *     Page.setDocumentContent — no file: or temp URL, no HTTP;
 *  2. wait for the `load` event: it fires once every image and font the layout asked for is done
 *     (JS is off, so document.fonts.ready is not an option; networkidle would cost ~2 s);
 *  3. PDF: CDP Page.printToPDF (untagged, no outline, preferCSSPageSize; only the first maxPages+1
 *     pages are printed, so a 100 000-page template cannot eat the box); PNG: CDP
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
 * Network: request interception (CDP Fetch, every URL) answers only (a) the current job's asset
 * host, mapped back to the service's image URL and answered by `loadAsset` from the file store, in
 * Node, and (b) the bundled fonts. Everything else — other hosts, loopback in any spelling,
 * link-local, file:, ws:, the real asset origin itself — is failed and reported through
 * `onBlockedRequest`, as are CSP refusals (the page's CSP header: default-src 'none', images only
 * from the asset hosts' image path and data:, fonts only from ours and data:). Chromium also runs
 * with `--host-resolver-rules=MAP * ~NOTFOUND`: nothing could connect even past interception.
 */
import { randomBytes } from 'node:crypto';
import { PDFDocument } from 'pdf-lib';
import type { Protocol } from 'puppeteer-core';
import { findAssetReferences, replaceAssetReferences } from './asset-references.js';
import { BrowserPool, type PageSlot, type PoolStats, type RenderLogger } from './browser-pool.js';
import { RenderLimitError } from './errors.js';
import { FONT_PREFIX } from '../template/font-faces.js';
import { loadFont } from './fonts.js';
import { pageSizeOfDocument, viewportFor } from './page-size.js';
import { buildDocument } from '../template/template.js';

/** Device pixels of one PNG: A3 landscape at 2x is 7.1 M, A4 3.6 M. */
export const MAX_PNG_PIXELS = 16_000_000;

/** The page's document URL (answered by the interceptor with an empty document and the CSP header). */
const PAGE_URL = 'https://render.invalid/certificate';
const ASSET_HOST_SUFFIX = '.assets.render.invalid';
const ASSET_HOST_RE = /^a(\d+)-([0-9a-f]{16})\.assets\.render\.invalid$/;

export interface LoadedAsset {
  body: Buffer | Uint8Array;
  contentType: string;
}

export interface AssetRequest {
  resourceType?: string;
  headers: Record<string, string>;
  label?: string;
}

export interface BlockedRequest {
  url: string;
  /** 'intercepted' = failed by our interceptor; 'csp' = refused by the document's CSP before any request */
  via: 'intercepted' | 'csp' | 'asset-missing';
  resourceType?: string;
  /** the job label passed to renderPdf/renderPng */
  label?: string;
}

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
}
export interface PngOptions extends RenderJobOptions {
  /** device scale factor; default 2 (A4 landscape → 2246×1588) */
  scale?: number;
}

export interface RendererStats extends PoolStats {
  pdfs: number;
  pngs: number;
  failures: Record<string, number>;
  blockedRequests: number;
  /** loadAsset calls */
  assetRequests: number;
  /** assets written into a document as data: URLs (the rest reached Chromium through the interceptor) */
  assetsInlined: number;
  fontRequests: number;
}

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
}

interface SlotState {
  /** the current job: its label, its asset host's nonce, the assets loaded for it (null = missing) */
  job: { label?: string; nonce: string; assets: Map<string, LoadedAsset | null> } | null;
  metrics: string | null;
  /** jobs served by the current document */
  docJobs: number;
  /** the page is navigating to PAGE_URL and may be answered */
  expectPage: boolean;
}

const MB = 1024 * 1024;
const ALLOWED_ASSET_TYPES =
  /^(image\/(png|jpe?g|gif|webp|avif|svg\+xml)|font\/[\w.+-]+|application\/(font-woff2?|x-font-woff|font-sfnt|vnd\.ms-fontobject))\b/i;

export function createRenderer(options: RendererOptions): Renderer {
  const assetPrefixes = (
    typeof options.assetPrefix === 'string' ? [options.assetPrefix] : [...options.assetPrefix]
  ).map((p) => new URL(p));
  if (assetPrefixes.length === 0) throw new Error('createRenderer: assetPrefix is required');
  const documentReuse = Math.max(1, options.documentReuse ?? 50);
  const assetOrigins = assetPrefixes.map((u) => u.origin);
  const pageCsp = [
    "default-src 'none'",
    `img-src ${assetPrefixes.map((p) => `https://*${ASSET_HOST_SUFFIX}${p.pathname}`).join(' ')} data:`,
    `font-src ${FONT_PREFIX} data:`,
    "style-src 'unsafe-inline'",
    "script-src 'none'",
    "object-src 'none'",
    "frame-src 'none'",
    "form-action 'none'",
  ].join('; ');
  const assetHost = (i: number, nonce: string) => `https://a${i}-${nonce}${ASSET_HOST_SUFFIX}`;
  /** The job's copy of the markup: absolute URLs under an asset prefix point at the job's asset host. */
  const toJobUrls = (text: string, nonce: string): string => {
    let out = text;
    assetPrefixes.forEach((p, i) => {
      out = out.split(p.href).join(`${assetHost(i, nonce)}${p.pathname}`);
    });
    return out;
  };
  /** The service URL behind a job-host URL, or null when it is not the current job's. */
  const fromJobUrl = (raw: string, nonce: string | undefined): string | null => {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      return null;
    }
    const m = ASSET_HOST_RE.exec(u.hostname);
    if (!m || u.protocol !== 'https:' || u.port || u.username || u.password || !nonce || m[2] !== nonce) return null;
    const origin = assetOrigins[Number(m[1])];
    return origin ? `${origin}${u.pathname}${u.search}` : null;
  };
  const renderTimeoutMs = options.renderTimeoutMs ?? 15_000;
  const maxPages = options.maxPages ?? 10;
  const maxOutputBytes = options.maxOutputBytes ?? 10 * MB;
  const assetTimeoutMs = options.assetTimeoutMs ?? 5000;
  const maxAssetBytes = options.maxAssetBytes ?? 10 * MB;
  const inlineAssetMaxBytes = options.inlineAssetMaxBytes ?? 2 * MB;
  const log = options.logger;
  const counters = {
    pdfs: 0,
    pngs: 0,
    blockedRequests: 0,
    assetRequests: 0,
    assetsInlined: 0,
    fontRequests: 0,
    failures: {} as Record<string, number>,
  };

  const isAsset = (raw: string): boolean => {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      return false;
    }
    if (u.username || u.password) return false;
    return assetPrefixes.some(
      (p) => u.protocol === p.protocol && u.host === p.host && u.pathname.startsWith(p.pathname),
    );
  };

  /** The service URL an image reference of the markup names, when it is one of the service's images. */
  const resolveAssetRef = (raw: string): string | null => {
    if (!/^(https?:\/\/|\/(?!\/))/i.test(raw)) return null; // absolute, or root-relative (the <base> is asset host 0)
    let u: URL;
    try {
      u = new URL(raw, `${assetOrigins[0]}/`);
    } catch {
      return null;
    }
    const serviceUrl = `${u.origin}${u.pathname}${u.search}`;
    return isAsset(serviceUrl) ? serviceUrl : null;
  };

  /** One asset from `loadAsset`, within the asset time and size limits and of an allowed type (else null). */
  async function loadLimited(serviceUrl: string, request: AssetRequest): Promise<LoadedAsset | null> {
    counters.assetRequests++;
    let asset: LoadedAsset | null = null;
    let timer: NodeJS.Timeout | undefined;
    try {
      asset = await Promise.race([
        options.loadAsset(serviceUrl, request),
        new Promise<null>((resolve) => {
          timer = setTimeout(() => resolve(null), assetTimeoutMs);
        }),
      ]);
    } catch (e) {
      log?.warn?.({ url: serviceUrl, err: String(e), label: request.label }, 'render asset could not be loaded');
    } finally {
      clearTimeout(timer);
    }
    const type = asset ? ALLOWED_ASSET_TYPES.exec(asset.contentType)?.[0] : undefined;
    if (!asset || !type || asset.body.byteLength > maxAssetBytes) return null;
    return { body: asset.body, contentType: type };
  }

  const report = (b: BlockedRequest) => {
    counters.blockedRequests++;
    log?.warn?.({ url: b.url, via: b.via, resourceType: b.resourceType, label: b.label }, 'render request blocked');
    try {
      options.onBlockedRequest?.(b);
    } catch {
      /* a reporting callback must not break the render */
    }
  };

  async function onRequestPaused(slot: PageSlot, ev: Protocol.Fetch.RequestPausedEvent): Promise<void> {
    const { cdp } = slot;
    const st = slot.state as unknown as SlotState;
    const url = ev.request.url;
    const label = st.job?.label;
    const fulfill = (
      body: Buffer | Uint8Array,
      contentType: string,
      status = 200,
      extra: Array<{ name: string; value: string }> = [],
    ) =>
      cdp
        .send('Fetch.fulfillRequest', {
          requestId: ev.requestId,
          responseCode: status,
          responseHeaders: [
            { name: 'Content-Type', value: contentType },
            { name: 'X-Content-Type-Options', value: 'nosniff' },
            { name: 'Access-Control-Allow-Origin', value: '*' },
            ...(extra.some((h) => h.name === 'Cache-Control') ? [] : [{ name: 'Cache-Control', value: 'no-store' }]),
            ...extra,
          ],
          body: Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64'),
        })
        .catch(() => undefined);
    const fail = () =>
      cdp.send('Fetch.failRequest', { requestId: ev.requestId, errorReason: 'BlockedByClient' }).catch(() => undefined);
    try {
      const method = ev.request.method;
      if (url === PAGE_URL && ev.resourceType === 'Document' && st.expectPage) {
        st.expectPage = false;
        return void (await fulfill(
          Buffer.from('<!DOCTYPE html><html><head></head><body></body></html>'),
          'text/html; charset=utf-8',
          200,
          [
            { name: 'Content-Security-Policy', value: pageCsp },
            { name: 'Referrer-Policy', value: 'no-referrer' },
          ],
        ));
      }
      if (method === 'GET' && url.startsWith(FONT_PREFIX)) {
        const font = loadFont(url);
        counters.fontRequests++;
        // the bundled fonts are the same for every job: let the page keep them decoded
        if (font)
          return void (await fulfill(font.body, font.contentType, 200, [
            { name: 'Cache-Control', value: 'public, max-age=31536000, immutable' },
          ]));
        return void (await fulfill(Buffer.alloc(0), 'text/plain', 404));
      }
      const serviceUrl = fromJobUrl(url, st.job?.nonce);
      if (method === 'GET' && serviceUrl && isAsset(serviceUrl)) {
        const loaded = st.job?.assets;
        if (loaded?.has(serviceUrl)) {
          // loaded before the document was written (too big to inline, or missing: reported then)
          const asset = loaded.get(serviceUrl);
          return void (await (asset
            ? fulfill(asset.body, asset.contentType)
            : fulfill(Buffer.alloc(0), 'text/plain', 404)));
        }
        const asset = await loadLimited(serviceUrl, {
          resourceType: ev.resourceType,
          headers: { ...ev.request.headers },
          label,
        });
        if (asset) return void (await fulfill(asset.body, asset.contentType));
        report({ url: serviceUrl, via: 'asset-missing', resourceType: ev.resourceType, label });
        return void (await fulfill(Buffer.alloc(0), 'text/plain', 404));
      }
      report({ url: serviceUrl ?? url, via: 'intercepted', resourceType: ev.resourceType, label });
      if (ev.resourceType === 'Document') {
        // a navigation (meta refresh, …): abort it silently — a *blocked* navigation would replace
        // the certificate with an error page
        await cdp.send('Fetch.failRequest', { requestId: ev.requestId, errorReason: 'Aborted' }).catch(() => undefined);
        return;
      }
      await fail();
    } catch {
      await fail();
    }
  }

  /** Loads a fresh, empty document (with the CSP header) into the page. */
  async function freshDocument(slot: PageSlot): Promise<void> {
    const st = slot.state as unknown as SlotState;
    st.expectPage = true;
    const loaded = waitForEvent(slot, 'Page.loadEventFired', 5000);
    const nav = await slot.cdp.send('Page.navigate', { url: PAGE_URL });
    if (nav.errorText) throw new Error(`could not load the render page: ${nav.errorText}`);
    await loaded;
    st.docJobs = 0;
  }

  /** After a job: forget it (its asset host dies with its nonce), clear cookies, maybe a fresh document. */
  async function resetPage(slot: PageSlot): Promise<void> {
    const st = slot.state as unknown as SlotState;
    st.job = null;
    st.docJobs++;
    await slot.cdp.send('Network.clearBrowserCookies');
    if (st.docJobs >= documentReuse) await freshDocument(slot);
  }

  const pool = new BrowserPool({
    executablePath: options.executablePath,
    pages: options.pages,
    recyclePageAfter: options.recyclePageAfter,
    restartBrowserAfter: options.restartBrowserAfter,
    extraArgs: options.extraArgs,
    logger: log,
    async onPageCreated(slot) {
      const state: SlotState = { job: null, metrics: null, docJobs: 0, expectPage: false };
      slot.state = state as unknown as Record<string, unknown>;
      const { cdp } = slot;
      cdp.on('Fetch.requestPaused', (ev) => void onRequestPaused(slot, ev));
      cdp.on('Log.entryAdded', (ev) => {
        const text = ev.entry.text ?? '';
        if (ev.entry.source !== 'security' || !/Content Security Policy|Refused to/i.test(text)) return;
        const url = /'((?:[a-z][a-z0-9+.-]*:|\/\/)[^']*)'/i.exec(text)?.[1] ?? ev.entry.url ?? text;
        report({ url: fromJobUrl(url, state.job?.nonce) ?? url, via: 'csp', label: state.job?.label });
      });
      await Promise.all([
        cdp.send('Emulation.setScriptExecutionDisabled', { value: true }), // = page.setJavaScriptEnabled(false)
        cdp.send('Page.enable'),
        cdp.send('Log.enable'),
        cdp.send('Fetch.enable', { patterns: [{ urlPattern: '*', requestStage: 'Request' }] }),
        cdp.send('Emulation.setEmulatedMedia', { media: 'print' }),
        cdp.send('Network.enable', { maxTotalBufferSize: 0, maxResourceBufferSize: 0 }),
      ]);
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true }); // = page.setCacheEnabled(false)
      await cdp.send('Network.setBypassServiceWorker', { bypass: true });
      await freshDocument(slot);
    },
    onPageReleased: resetPage,
  });

  /**
   * The markup with the service images it names written in as data: URLs (loaded here, in
   * parallel); what is not inlined is left for the interceptor, which answers it from `assets`.
   */
  async function inlineAssets(
    html: string,
    css: string,
    assets: Map<string, LoadedAsset | null>,
    label: string | undefined,
  ): Promise<{ html: string; css: string }> {
    const htmlRefs = findAssetReferences(html, 'html');
    const cssRefs = findAssetReferences(css, 'css');
    if (htmlRefs.length === 0 && cssRefs.length === 0) return { html, css };
    const urls = new Map<string, string | null>();
    for (const { raw } of [...htmlRefs, ...cssRefs]) if (!urls.has(raw)) urls.set(raw, resolveAssetRef(raw));
    const wanted = new Set([...urls.values()].filter((u): u is string => u !== null));
    await Promise.all(
      [...wanted].map(async (serviceUrl) => {
        const asset = await loadLimited(serviceUrl, { resourceType: 'Image', headers: {}, label });
        if (!asset) report({ url: serviceUrl, via: 'asset-missing', resourceType: 'Image', label });
        assets.set(serviceUrl, asset);
      }),
    );
    const dataUrls = new Map<string, string>();
    let budget = 4 * inlineAssetMaxBytes; // one CDP message carries the document: keep it bounded
    for (const [serviceUrl, asset] of assets) {
      if (asset && asset.body.byteLength <= inlineAssetMaxBytes && asset.body.byteLength <= budget) {
        budget -= asset.body.byteLength;
        counters.assetsInlined++;
        dataUrls.set(
          serviceUrl,
          `data:${asset.contentType};base64,${Buffer.from(asset.body.buffer, asset.body.byteOffset, asset.body.byteLength).toString('base64')}`,
        );
      }
    }
    const replacement = (raw: string) => {
      const serviceUrl = urls.get(raw);
      return serviceUrl ? dataUrls.get(serviceUrl) : undefined;
    };
    return {
      html: replaceAssetReferences(html, htmlRefs, replacement),
      css: replaceAssetReferences(css, cssRefs, replacement),
    };
  }

  async function load(slot: PageSlot, rawHtml: string, rawCss: string, label: string | undefined): Promise<void> {
    const st = slot.state as unknown as SlotState;
    const nonce = randomBytes(8).toString('hex');
    const assets = new Map<string, LoadedAsset | null>();
    st.job = { label, nonce, assets };
    const { html, css } = await inlineAssets(rawHtml, rawCss, assets, label);
    const doc = buildDocument(toJobUrls(html, nonce), toJobUrls(css, nonce), {
      assetPrefixes: assetPrefixes.map((p) => p.href),
      baseUrl: `${assetHost(0, nonce)}/`,
      cspMeta: false, // the page's CSP header applies (a meta per job would pile up in a reused document)
    });
    const loaded = waitForEvent(slot, 'Page.loadEventFired', renderTimeoutMs + 1000);
    await slot.cdp.send('Page.setDocumentContent', { frameId: slot.frameId, html: doc });
    await loaded;
  }

  function fail(reason: string): void {
    counters.failures[reason] = (counters.failures[reason] ?? 0) + 1;
  }

  async function guarded<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      fail((e as { reason?: string }).reason ?? 'error');
      throw e;
    }
  }

  return {
    renderPdf(html, css, opts = {}) {
      const limit = opts.maxPages ?? maxPages;
      return guarded(async () => {
        const pdf = await pool.run(async (slot) => {
          await load(slot, html, css, opts.label);
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
        }, renderTimeoutMs);
        if (pdf.length > maxOutputBytes)
          throw new RenderLimitError('output_size', `rendered PDF is ${pdf.length} bytes (max ${maxOutputBytes})`);
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
          const st = slot.state as unknown as SlotState;
          const key = `${vp.width}x${vp.height}@${scale}`;
          if (st.metrics !== key) {
            await slot.cdp.send('Emulation.setDeviceMetricsOverride', {
              width: vp.width,
              height: vp.height,
              deviceScaleFactor: scale,
              mobile: false,
              screenWidth: vp.width,
              screenHeight: vp.height,
            });
            st.metrics = key;
          }
          await load(slot, html, css, opts.label);
          const shot = await slot.cdp.send('Page.captureScreenshot', {
            format: 'png',
            optimizeForSpeed: true,
            captureBeyondViewport: false,
            fromSurface: true,
          });
          return Buffer.from(shot.data, 'base64');
        }, renderTimeoutMs);
        if (png.length > maxOutputBytes)
          throw new RenderLimitError('output_size', `rendered PNG is ${png.length} bytes (max ${maxOutputBytes})`);
        counters.pngs++;
        return png;
      });
    },

    warmUp: () => pool.warmUp(),
    close: () => pool.close(),
    browserPid: () => pool.browserPid(),
    stats: () => ({ ...pool.stats(), ...counters, failures: { ...counters.failures } }),
  };
}

/** Resolves on the next `event` of the page's session, or rejects after `ms`. */
function waitForEvent(slot: PageSlot, event: 'Page.loadEventFired', ms: number): Promise<void> {
  const p = new Promise<void>((resolve, reject) => {
    const handler = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      slot.cdp.off(event, handler);
      reject(new Error(`${event} did not arrive within ${ms} ms`));
    }, ms);
    slot.cdp.once(event, handler);
  });
  p.catch(() => undefined); // callers may bail out before awaiting it
  return p;
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
