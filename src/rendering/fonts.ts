/**
 * The bytes of the bundled fonts (template/font-faces.ts), served to Chromium by request
 * interception from memory — never from the internet.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BUNDLED_FONTS, FONT_CSS_URL, FONT_PREFIX, fontFaceCss, fontPackageDir } from '../template/font-faces.js';

const fileCache = new Map<string, Buffer | null>();
let sheet: Buffer | null = null;
/**
 * The bytes of a font URL under {@link FONT_PREFIX} — a font file, or the @font-face stylesheet at
 * FONT_CSS_URL — or null when it is not one of ours.
 */
export function loadFont(url: string): { body: Buffer; contentType: string } | null {
  if (!url.startsWith(FONT_PREFIX)) return null;
  if (url === FONT_CSS_URL)
    return { body: (sheet ??= Buffer.from(fontFaceCss())), contentType: 'text/css; charset=utf-8' };
  const rest = url.slice(FONT_PREFIX.length).split(/[?#]/)[0];
  const m = /^([a-z0-9-]+)\/([a-z0-9-]+\.woff2?)$/.exec(rest);
  if (!m) return null;
  const [, pkg, file] = m;
  if (!BUNDLED_FONTS.some((f) => f.pkg === pkg)) return null;
  const key = `${pkg}/${file}`;
  let body = fileCache.get(key);
  if (body === undefined) {
    try {
      body = readFileSync(path.join(fontPackageDir(pkg), 'files', file));
    } catch {
      body = null;
    }
    fileCache.set(key, body);
  }
  return body ? { body, contentType: file.endsWith('.woff2') ? 'font/woff2' : 'font/woff' } : null;
}
