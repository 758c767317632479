/**
 * The per-job asset hosts and the page's Content-Security-Policy. Pure.
 *
 * Each job's image URLs live under a random, per-job host (`https://a0-<nonce>.assets.render.invalid/…`,
 * the document's <base>; absolute URLs under an asset prefix are rewritten to it). Only the current
 * job's host is answered, so a later job can neither hit nor name an earlier job's resources.
 */
import { FONT_CSS_URL, FONT_PREFIX } from '../template/font-faces.js';

/** The page's document URL (answered by the interceptor with an empty document and the CSP header). */
export const PAGE_URL = 'https://render.invalid/certificate';
const ASSET_HOST_SUFFIX = '.assets.render.invalid';
const ASSET_HOST_RE = /^a(\d+)-([0-9a-f]{16})\.assets\.render\.invalid$/;

export class JobHosts {
  /** the service's image URL prefixes */
  readonly prefixes: readonly URL[];
  private readonly origins: readonly string[];
  /**
   * the CSP header of the page: images only from the asset hosts' image paths and data:, fonts only
   * from ours, stylesheets inline or our one @font-face sheet
   */
  readonly pageCsp: string;

  constructor(assetPrefix: string | readonly string[]) {
    this.prefixes = (typeof assetPrefix === 'string' ? [assetPrefix] : [...assetPrefix]).map((p) => new URL(p));
    if (this.prefixes.length === 0) throw new Error('createRenderer: assetPrefix is required');
    this.origins = this.prefixes.map((u) => u.origin);
    this.pageCsp = [
      "default-src 'none'",
      `img-src ${this.prefixes.map((p) => `https://*${ASSET_HOST_SUFFIX}${p.pathname}`).join(' ')} data:`,
      `font-src ${FONT_PREFIX} data:`,
      `style-src 'unsafe-inline' ${FONT_CSS_URL}`,
      "script-src 'none'",
      "object-src 'none'",
      "frame-src 'none'",
      "form-action 'none'",
    ].join('; ');
  }

  /** The job host standing for asset prefix `i`. */
  assetHost(i: number, nonce: string): string {
    return `https://a${i}-${nonce}${ASSET_HOST_SUFFIX}`;
  }

  /** The job's copy of the markup: absolute URLs under an asset prefix point at the job's asset host. */
  toJobUrls(text: string, nonce: string): string {
    let out = text;
    this.prefixes.forEach((p, i) => {
      out = out.split(p.href).join(`${this.assetHost(i, nonce)}${p.pathname}`);
    });
    return out;
  }

  /** The service URL behind a job-host URL, or null when it is not the current job's. */
  fromJobUrl(raw: string, nonce: string | undefined): string | null {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      return null;
    }
    const m = ASSET_HOST_RE.exec(u.hostname);
    if (!m || u.protocol !== 'https:' || u.port || u.username || u.password || !nonce || m[2] !== nonce) return null;
    const origin = this.origins[Number(m[1])];
    return origin ? `${origin}${u.pathname}${u.search}` : null;
  }

  /** Whether a URL is under one of the service's image prefixes. */
  isAsset(raw: string): boolean {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      return false;
    }
    if (u.username || u.password) return false;
    return this.prefixes.some(
      (p) => u.protocol === p.protocol && u.host === p.host && u.pathname.startsWith(p.pathname),
    );
  }

  /** The service URL an image reference of the markup names, when it is one of the service's images. */
  resolveAssetRef(raw: string): string | null {
    if (!/^(https?:\/\/|\/(?!\/))/i.test(raw)) return null; // absolute, or root-relative (the <base> is asset host 0)
    let u: URL;
    try {
      u = new URL(raw, `${this.origins[0]}/`);
    } catch {
      return null;
    }
    const serviceUrl = `${u.origin}${u.pathname}${u.search}`;
    return this.isAsset(serviceUrl) ? serviceUrl : null;
  }
}
