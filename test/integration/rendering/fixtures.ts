/** Shared fixtures for rendering tests and the render benchmark: sample data and an in-memory image store. */
import { buildTemplateContext, type TemplateContext } from '../../../src/template/template-context.js';
import type { AssetRequest, LoadedAsset } from '../../../src/rendering/renderer.js';

export const PUBLIC_BASE_URL = 'https://badges.example.test';
export const IMAGES_PREFIX = `${PUBLIC_BASE_URL}/api/credentials/public/images/`;

import { PNG } from 'pngjs';

/** A small raster drawing: transparent canvas, `paint(x, y)` returns an RGBA colour or null. */
function raster(
  w: number,
  h: number,
  paint: (x: number, y: number) => [number, number, number, number] | null,
): Buffer {
  const png = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) png.data.set(paint(x, y) ?? [0, 0, 0, 0], (y * w + x) * 4);
  return PNG.sync.write(png);
}
/** A pen stroke: the curve y = f(x), `width` px thick. */
function signature(w: number, h: number, f: (x: number) => number, rgb: [number, number, number]): Buffer {
  return raster(w, h, (x, y) => (x > 8 && x < w - 8 && Math.abs(f(x) - y) < 2.2 ? [...rgb, 255] : null));
}
const NAVY: [number, number, number, number] = [30, 42, 74, 255];
const GOLD: [number, number, number, number] = [176, 141, 87, 255];

const svg = (body: string, w: number, h: number) =>
  Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">${body}</svg>`,
  );

/**
 * Images the fake file store holds, by path under the images prefix: a PNG logo and PNG signatures
 * (what uploads usually are) and an SVG badge (Open Badges images often are).
 */
export const SAMPLE_IMAGES: Record<string, LoadedAsset> = {
  'org-1/logo.png': {
    contentType: 'image/png',
    body: raster(480, 160, (x, y) => {
      const dx = x - 80;
      const dy = y - 80;
      if (dx * dx + dy * dy < 72 * 72) return Math.abs(dx) * 1.7 < 90 - y && y > 35 && y < 110 ? GOLD : NAVY;
      if (x > 180 && x < 460 && ((y > 50 && y < 66) || (y > 86 && y < 96) || (y > 106 && y < 116 && x < 380)))
        return NAVY;
      return null;
    }),
  },
  'org-1/sig-hopper.png': {
    contentType: 'image/png',
    body: signature(400, 120, (x) => 60 + 30 * Math.sin(x / 23) * Math.cos(x / 71), [26, 35, 126]),
  },
  'org-1/sig-turing.png': {
    contentType: 'image/png',
    body: signature(400, 120, (x) => 62 + 26 * Math.sin(x / 17 + 1) * Math.sin(x / 90 + 0.5), [17, 17, 17]),
  },
  'org-1/logo.svg': {
    contentType: 'image/svg+xml',
    body: svg(
      '<circle cx="40" cy="40" r="36" fill="#1e2a4a"/><path d="M20 52 L40 18 L60 52 Z" fill="#b08d57"/><text x="90" y="52" font-family="serif" font-size="34" fill="#1e2a4a">EXAMPLE</text>',
      300,
      80,
    ),
  },
  'org-1/badge.svg': {
    contentType: 'image/svg+xml',
    body: svg(
      '<circle cx="60" cy="60" r="56" fill="#b08d57"/><circle cx="60" cy="60" r="46" fill="#fbf7ee" stroke="#1e2a4a" stroke-width="3"/><path d="M60 28 l9 20 22 2 -17 14 5 22 -19 -12 -19 12 5 -22 -17 -14 22 -2z" fill="#1e2a4a"/>',
      120,
      120,
    ),
  },
  'org-1/sig-hopper.svg': {
    contentType: 'image/svg+xml',
    body: svg(
      '<path d="M5 40 C 30 5, 45 60, 70 25 S 110 10, 130 35 S 170 50, 190 20" stroke="#1a237e" stroke-width="3" fill="none"/>',
      200,
      60,
    ),
  },
  'org-1/sig-turing.svg': {
    contentType: 'image/svg+xml',
    body: svg(
      '<path d="M5 35 C 25 10, 40 55, 65 30 S 100 5, 125 40 S 160 15, 195 30" stroke="#111" stroke-width="3" fill="none"/>',
      200,
      60,
    ),
  },
};

export function makeLoadAsset(
  images: Record<string, LoadedAsset> = SAMPLE_IMAGES,
  calls?: Array<{ url: string; request: AssetRequest }>,
) {
  return async (url: string, request: AssetRequest): Promise<LoadedAsset | null> => {
    calls?.push({ url, request });
    if (!url.startsWith(IMAGES_PREFIX)) return null;
    return images[decodeURIComponent(url.slice(IMAGES_PREFIX.length))] ?? null;
  };
}

export async function sampleContext(
  overrides: { recipientName?: string; credentialName?: string; i?: number } = {},
): Promise<TemplateContext> {
  const id = `7f3c2a10-5b8e-4c1d-9a6f-${String(overrides.i ?? 0).padStart(12, '0')}`;
  return buildTemplateContext({
    recipient: { name: overrides.recipientName ?? 'Ada Lovelace', email: 'ada@example.org', user_id: 'u-1842' },
    credential: {
      name: overrides.credentialName ?? 'Advanced Data Analysis',
      description:
        'Awarded for completing the four-module programme in statistical modelling, data visualisation and reproducible analysis, including a capstone project assessed by an external panel.',
      image: '/api/credentials/public/images/org-1/badge.svg',
      course: 'DATA-301',
      program: 'Data Science Certificate',
    },
    issuer: { name: 'Example University', url: 'https://example.edu', image: `${IMAGES_PREFIX}org-1/logo.png` },
    issuedOn: '2026-11-24T09:30:00Z',
    expires: '2029-11-24T00:00:00Z',
    signatories: [
      {
        name: 'Dr. Grace Hopper',
        title: 'Dean of Engineering',
        signature_image: '/api/credentials/public/images/org-1/sig-hopper.png',
      },
      {
        name: 'Prof. Alan Turing',
        title: 'Programme Director',
        signature_image: '/api/credentials/public/images/org-1/sig-turing.png',
      },
    ],
    verificationUrl: `${PUBLIC_BASE_URL}/api/credentials/public/assertions/${id}/`,
    assertionId: id,
  });
}

/** The sample PNG enlarged k times (what a scanned signature upload looks like). */
export function enlarged(asset: LoadedAsset, k: number): LoadedAsset {
  const src = PNG.sync.read(Buffer.from(asset.body));
  const out = new PNG({ width: src.width * k, height: src.height * k });
  for (let y = 0; y < out.height; y++)
    for (let x = 0; x < out.width; x++) {
      const i = (Math.floor(y / k) * src.width + Math.floor(x / k)) * 4;
      out.data.set(src.data.subarray(i, i + 4), (y * out.width + x) * 4);
    }
  return { contentType: 'image/png', body: PNG.sync.write(out) };
}
