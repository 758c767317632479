/**
 * The baked badge of an assertion: badge.png always (OB 3.0 JWT + OB 2.0 hosted-assertion URL in
 * iTXt chunks); badge.svg too when the badge image is an SVG (baked as SVG, the PNG is its
 * rasterization by Chromium).
 */
import { readFileSync } from 'node:fs';
import type { AssertionRow } from '../db/assertion-repository.js';
import type { CatalogRepository, CredentialRow } from '../db/catalog-repository.js';
import { bakePng, bakeSvg } from '../openbadges/baking.js';
import type { PublicUrls } from '../public-urls.js';
import type { FileStore } from '../storage/file-store.js';
import { TEMPLATES_DIR } from '../templates-dir.js';
import type { ImageBudget } from '../catalog/image-dimensions.js';
import { RenderLimitError } from './errors.js';
import type { RenderFileName } from './render-files.js';
import type { CertificateBatches, LaneOptions } from './certificate-batches.js';
import { overBudget, storedImageKey } from './stored-images.js';

/** Badge edge in pixels when an image has to be rasterized (SVG, JPEG, the default badge). */
const BADGE_PX = 512;
const BADGE_CACHE_MAX = 64;

type BadgeSource =
  | { kind: 'png'; body: Buffer; cacheKey: string }
  | { kind: 'svg'; text: string; cacheKey: string }
  | { kind: 'raster'; body: Buffer; contentType: string; cacheKey: string };

let defaultBadgeSvg: string | undefined;

/**
 * Bakes badges, rasterizing in a print lane of `lanes`; rasterized badges are cached by source (a
 * bulk rasterizes each once).
 */
export function badgeBaker(
  deps: { catalogRepo: CatalogRepository; files: FileStore; urls: PublicUrls },
  lanes: Pick<CertificateBatches, 'renderPng'>,
  budget: ImageBudget,
): (a: AssertionRow, credential: CredentialRow, lane: LaneOptions) => Promise<Partial<Record<RenderFileName, Buffer>>> {
  const { catalogRepo, files, urls } = deps;
  const rasterCache = new Map<string, Buffer>();

  async function badgeSource(credential: CredentialRow): Promise<BadgeSource> {
    const key = storedImageKey(urls, credential.icon_image);
    if (key) {
      const row = await catalogRepo.getImageByKey(key);
      const file = row && row.org === credential.org ? await files.get(key) : undefined;
      if (row && file) {
        const problem = overBudget(file.body, row.content_type, budget);
        if (problem) {
          const what = `the badge image of credential "${credential.name}" (${credential.id})`;
          throw new RenderLimitError('image_too_large', `${what} is refused. ${problem}`);
        }
        if (row.content_type === 'image/png') return { kind: 'png', body: file.body, cacheKey: key };
        if (row.content_type === 'image/svg+xml')
          return { kind: 'svg', text: file.body.toString('utf8'), cacheKey: key };
        return { kind: 'raster', body: file.body, contentType: row.content_type, cacheKey: key };
      }
    }
    defaultBadgeSvg ??= readFileSync(`${TEMPLATES_DIR}badge.svg`, 'utf8');
    return { kind: 'svg', text: defaultBadgeSvg, cacheKey: 'default' };
  }

  /** A PNG of an image (SVG, JPEG, …) drawn by Chromium on a BADGE_PX square, cached per source. */
  async function rasterize(body: Buffer, contentType: string, cacheKey: string, lane: LaneOptions): Promise<Buffer> {
    const hit = rasterCache.get(cacheKey);
    if (hit) return hit;
    const src = `data:${contentType};base64,${body.toString('base64')}`;
    const html = `<div class="badge"><img src="${src}" alt=""></div>`;
    const css =
      `@page { size: ${BADGE_PX}px ${BADGE_PX}px; margin: 0; } html, body { margin: 0; padding: 0; background: #fff; }` +
      ` .badge { width: ${BADGE_PX}px; height: ${BADGE_PX}px; display: flex; align-items: center; justify-content: center; }` +
      ` .badge img { max-width: ${BADGE_PX}px; max-height: ${BADGE_PX}px; width: 100%; height: 100%; object-fit: contain; }`;
    const png = await lanes.renderPng(html, css, { ...lane, scale: 1 });
    if (rasterCache.size >= BADGE_CACHE_MAX) rasterCache.delete(rasterCache.keys().next().value!);
    rasterCache.set(cacheKey, png);
    return png;
  }

  async function bakeBadge(
    a: AssertionRow,
    credential: CredentialRow,
    lane: LaneOptions,
  ): Promise<Partial<Record<RenderFileName, Buffer>>> {
    // OB 2.0 requires an issuer email: without one there is no hosted assertion to point at.
    const issuer = await catalogRepo.getIssuerById(a.issuer_id);
    // The VC-JWT when the issuer signs one, else the credential with its Data Integrity proof.
    const payload = {
      ...(a.credential_jwt ? { ob3Jwt: a.credential_jwt } : { ob3Json: JSON.stringify(a.credential_json) }),
      ob2: issuer?.email ? urls.ob2Assertion(a.id) : undefined,
    };
    const src = await badgeSource(credential);
    if (src.kind === 'png') return { 'badge.png': bakePng(src.body, payload) };
    if (src.kind === 'svg') {
      const svg = Buffer.from(src.text, 'utf8');
      const png = await rasterize(svg, 'image/svg+xml', `svg:${src.cacheKey}`, lane);
      return { 'badge.png': bakePng(png, payload), 'badge.svg': Buffer.from(bakeSvg(src.text, payload), 'utf8') };
    }
    const png = await rasterize(src.body, src.contentType, `raster:${src.cacheKey}`, lane);
    return { 'badge.png': bakePng(png, payload) };
  }

  return bakeBadge;
}
