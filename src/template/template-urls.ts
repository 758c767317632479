/** Which URLs a template may name: the service's own images, `#fragment`s, `data:` images and fonts, safe links. */
import { browserUrl, unsafeUrl, urlScheme } from './html-scan.js';

/** What merge tags are replaced by before the markup is scanned (a URL starting with one is checked at render time). */
export const MASK = '\u0001';

export interface Prefixes {
  absolute: URL[];
  relative: string[];
}
export function parsePrefixes(list: readonly string[]): Prefixes {
  const absolute: URL[] = [];
  const relative: string[] = [];
  for (const p of list ?? []) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(p)) absolute.push(new URL(p));
    else if (p.startsWith('/')) relative.push(new URL(p, 'https://x.invalid').pathname);
  }
  return { absolute, relative };
}

/**
 * Why `raw` (a decoded URL) may not be used by the certificate, or null when it may. `load` = fetched
 * as an image or font (the service's own images and `data:` images/fonts); `link` = an <a>/<area>
 * href or a cite (never fetched: http(s), mailto, tel, relative); `resource` = any other fetch or
 * navigation (form actions, manifests: the service's own URLs only, no `data:`).
 */
export function urlProblem(
  raw: string,
  kind: 'load' | 'link' | 'resource',
  assetPrefixes: readonly string[] | Prefixes,
): string | null {
  const prefixes = Array.isArray(assetPrefixes)
    ? parsePrefixes(assetPrefixes as string[])
    : (assetPrefixes as Prefixes);
  const unsafe = unsafeUrl(raw, kind === 'load' ? 'image' : kind);
  if (unsafe) return unsafe;
  const v = browserUrl(raw);
  if (v === '' || v.startsWith('#')) return null;
  if (v.startsWith(MASK)) return null; // starts with a merge value: checked at render time
  if (kind === 'link') return null; // unsafeUrl allowed only http(s), mailto, tel or relative
  const scheme = urlScheme(v);
  if (scheme === 'data') return null; // an image or font: unsafeUrl refused the others
  if (scheme) {
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      return 'is not a valid URL';
    }
    for (const p of prefixes.absolute) {
      if (
        u.protocol === p.protocol &&
        u.host === p.host &&
        !u.username &&
        !u.password &&
        u.pathname.startsWith(p.pathname)
      )
        return null;
    }
    return `loads from outside the service (only ${allowedText(prefixes)} and data: images/fonts may be loaded)`;
  }
  if (/^[\\/][\\/]/.test(v))
    return `protocol-relative URLs load from another host (only ${allowedText(prefixes)} may be loaded)`;
  const path = new URL(v.replace(/\\/g, '/'), 'https://x.invalid/').pathname;
  if (prefixes.relative.some((p) => path.startsWith(p))) return null;
  return `loads a path outside the service's images (only ${allowedText(prefixes)} may be loaded)`;
}
function allowedText(p: Prefixes): string {
  const all = [...p.absolute.map((u) => u.href), ...p.relative];
  return all.length ? all.map((x) => `${x}…`).join(', ') : 'nothing';
}
