/**
 * Fonts shipped with the project (npm @fontsource packages: woff2 files under node_modules), as the
 * document sees them: {@link fontFaceCss} goes into every document, so templates just say
 * `font-family: 'Inter'` or `'EB Garamond'`. The URLs point at a reserved, never-resolvable origin
 * that only the renderer's request interceptor answers (rendering/fonts.ts serves the bytes from memory).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Origin the font URLs use; only the renderer's request interceptor answers it. */
export const FONT_ORIGIN = 'https://render-fonts.invalid';
export const FONT_PREFIX = `${FONT_ORIGIN}/`;
/**
 * {@link fontFaceCss} as a stylesheet the renderer's interceptor answers: a reused document keeps it
 * parsed instead of re-parsing ~22 KB of @font-face rules written into every job's document.
 */
export const FONT_CSS_URL = `${FONT_PREFIX}fonts.css`;

interface BundledFamily {
  family: string;
  pkg: string;
  /** css files of the package to include: "<weight>" or "<weight>-italic" */
  styles: string[];
}
export const BUNDLED_FONTS: readonly BundledFamily[] = [
  { family: 'Inter', pkg: 'inter', styles: ['400', '500', '600', '700'] },
  { family: 'EB Garamond', pkg: 'eb-garamond', styles: ['400', '500', '600', '700', '400-italic', '500-italic'] },
];
export const BUNDLED_FONT_FAMILIES = BUNDLED_FONTS.map((f) => f.family);

const require = createRequire(import.meta.url);
const pkgDirs = new Map<string, string>();
/** The installed directory of a @fontsource package. */
export function fontPackageDir(pkg: string): string {
  let d = pkgDirs.get(pkg);
  if (!d) {
    d = path.dirname(require.resolve(`@fontsource/${pkg}/package.json`));
    pkgDirs.set(pkg, d);
  }
  return d;
}

let cssCache: string | null = null;
/**
 * @font-face rules for the bundled fonts (all unicode subsets, woff2 only; Chromium fetches only the
 * subsets a page uses). `font-display: block` so a print never picks a fallback.
 */
export function fontFaceCss(): string {
  if (cssCache !== null) return cssCache;
  const out: string[] = [];
  for (const f of BUNDLED_FONTS) {
    for (const st of f.styles) {
      let css: string;
      try {
        css = readFileSync(path.join(fontPackageDir(f.pkg), `${st}.css`), 'utf8');
      } catch {
        continue; // package missing: the family falls back to system fonts
      }
      css = css
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/,\s*url\(\.\/files\/[^)]+\.woff\)\s*format\('woff'\)/g, '')
        .replace(/url\(\.\/files\//g, `url(${FONT_PREFIX}${f.pkg}/`)
        .replace(/font-display:\s*swap/g, 'font-display: block')
        .replace(/\n\s*/g, ' ')
        .trim();
      out.push(css);
    }
  }
  cssCache = out.join('\n');
  return cssCache;
}
