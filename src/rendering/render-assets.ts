/**
 * The service images a render may use: loaded in Node through `loadAsset` (never over HTTP), within
 * time, size and type limits; written into the markup as data: URLs when small enough (a Fetch
 * round trip per image cost more Chromium CPU than decoding it; see asset-references.ts); and the
 * report of every request that was refused.
 */
import { findAssetReferences, replaceAssetReferences } from './asset-references.js';
import type { RenderLogger } from './browser-pool.js';
import type { JobHosts } from './job-hosts.js';
import type { PrintImageSizes } from './print-image-sizes.js';

/** A PDF job's stored PNGs at print resolution: the job's layout and what is known of it. */
export interface PrintImages {
  layout: string;
  sizes: PrintImageSizes;
}

export interface InlinedMarkup {
  html: string;
  css: string;
  /**
   * When a PNG of the document has never been measured in this layout: each data: URL written in
   * for such PNGs → their service URLs (to measure after the print); else null.
   */
  unmeasured: Map<string, string[]> | null;
}

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

/** The renderer's own counts (the pool keeps its own). */
export interface RenderCounters {
  pdfs: number;
  pngs: number;
  blockedRequests: number;
  /** loadAsset calls */
  assetRequests: number;
  /** assets written into a document as data: URLs (the rest reached Chromium through the interceptor) */
  assetsInlined: number;
  fontRequests: number;
  failures: Record<string, number>;
}

export interface RenderAssetOptions {
  loadAsset: (url: string, request: AssetRequest) => Promise<LoadedAsset | null>;
  onBlockedRequest?: (req: BlockedRequest) => void;
  logger?: RenderLogger;
  assetTimeoutMs: number;
  maxAssetBytes: number;
  inlineAssetMaxBytes: number;
}

const ALLOWED_ASSET_TYPES =
  /^(image\/(png|jpe?g|gif|webp|avif|svg\+xml)|font\/[\w.+-]+|application\/(font-woff2?|x-font-woff|font-sfnt|vnd\.ms-fontobject))\b/i;

export class RenderAssets {
  constructor(
    private readonly hosts: JobHosts,
    private readonly opts: RenderAssetOptions,
    readonly counters: RenderCounters,
  ) {}

  /** One asset from `loadAsset`, within the asset time and size limits and of an allowed type (else null). */
  async load(serviceUrl: string, request: AssetRequest): Promise<LoadedAsset | null> {
    this.counters.assetRequests++;
    let asset: LoadedAsset | null = null;
    let timer: NodeJS.Timeout | undefined;
    try {
      asset = await Promise.race([
        this.opts.loadAsset(serviceUrl, request),
        new Promise<null>((resolve) => {
          timer = setTimeout(() => resolve(null), this.opts.assetTimeoutMs);
        }),
      ]);
    } catch (e) {
      this.opts.logger?.warn?.(
        { url: serviceUrl, err: String(e), label: request.label },
        'render asset could not be loaded',
      );
    } finally {
      clearTimeout(timer);
    }
    const type = asset ? ALLOWED_ASSET_TYPES.exec(asset.contentType)?.[0] : undefined;
    if (!asset || !type || asset.body.byteLength > this.opts.maxAssetBytes) return null;
    return { body: asset.body, contentType: type };
  }

  report(b: BlockedRequest): void {
    this.counters.blockedRequests++;
    this.opts.logger?.warn?.(
      { url: b.url, via: b.via, resourceType: b.resourceType, label: b.label },
      'render request blocked',
    );
    try {
      this.opts.onBlockedRequest?.(b);
    } catch {
      /* a reporting callback must not break the render */
    }
  }

  /**
   * The markup with the service images it names written in as data: URLs (loaded here, in
   * parallel); what is not inlined is left for the interceptor, which answers it from `assets`.
   * With `print`, PNGs only ever used as `src` are written in at print resolution when their box
   * in this layout is known (print-image-sizes.ts); `assets` keeps them as stored.
   */
  async inline(
    html: string,
    css: string,
    assets: Map<string, LoadedAsset | null>,
    label: string | undefined,
    print?: PrintImages,
  ): Promise<InlinedMarkup> {
    const htmlRefs = findAssetReferences(html, 'html');
    const cssRefs = findAssetReferences(css, 'css');
    if (htmlRefs.length === 0 && cssRefs.length === 0) return { html, css, unmeasured: null };
    const urls = new Map<string, string | null>();
    for (const { raw } of [...htmlRefs, ...cssRefs]) if (!urls.has(raw)) urls.set(raw, this.hosts.resolveAssetRef(raw));
    const wanted = new Set([...urls.values()].filter((u): u is string => u !== null));
    await Promise.all(
      [...wanted].map(async (serviceUrl) => {
        const asset = await this.load(serviceUrl, { resourceType: 'Image', headers: {}, label });
        if (!asset) this.report({ url: serviceUrl, via: 'asset-missing', resourceType: 'Image', label });
        assets.set(serviceUrl, asset);
      }),
    );
    // a url() has no box to measure: images named in one are never resampled
    const inCss = new Set([...cssRefs, ...findAssetReferences(html, 'css')].map((r) => urls.get(r.raw)));
    const dataUrls = new Map<string, string>();
    let unmeasured: Map<string, string[]> | null = null;
    // One CDP message carries the document: keep it bounded. Every reference writes the image again
    // (a batch of certificates names the same logo once per certificate), so each costs its bytes;
    // what does not fit is fetched through the interceptor, once per document.
    let budget = 4 * this.opts.inlineAssetMaxBytes;
    const uses = new Map<string, number>();
    for (const { raw } of [...htmlRefs, ...cssRefs]) {
      const u = urls.get(raw);
      if (u) uses.set(u, (uses.get(u) ?? 0) + 1);
    }
    for (const [serviceUrl, asset] of assets) {
      if (!asset || asset.body.byteLength > this.opts.inlineAssetMaxBytes) continue;
      const png = print && !inCss.has(serviceUrl) && asset.contentType === 'image/png';
      const box = png ? print.sizes.box(print.layout, serviceUrl) : null;
      const resampled = box ? print!.sizes.forBox(asset.body, box) : null;
      const cost = (resampled ?? asset.body).byteLength * (uses.get(serviceUrl) ?? 1);
      if (cost <= budget) {
        budget -= cost;
        this.counters.assetsInlined++;
        const written = dataUrl(resampled ? { body: resampled, contentType: asset.contentType } : asset);
        dataUrls.set(serviceUrl, written);
        if (box === undefined)
          (unmeasured ??= new Map()).set(written, [...(unmeasured.get(written) ?? []), serviceUrl]);
      }
    }
    const replacement = (raw: string) => {
      const serviceUrl = urls.get(raw);
      return serviceUrl ? dataUrls.get(serviceUrl) : undefined;
    };
    return {
      html: replaceAssetReferences(html, htmlRefs, replacement),
      css: replaceAssetReferences(css, cssRefs, replacement),
      unmeasured,
    };
  }
}

function dataUrl(asset: LoadedAsset): string {
  const { body } = asset;
  const base64 = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64');
  return `data:${asset.contentType};base64,${base64}`;
}
