/**
 * The laid-out boxes of a document's images, from one CDP DOMSnapshot (works with JavaScript off;
 * no DOM domain left enabled). Used once per layout (print-image-sizes.ts).
 */
import type { Protocol } from 'puppeteer-core';
import type { Size } from './print-images.js';
import type { RenderSlot } from './page-state.js';

/**
 * For each image `sources` names (the exact attribute value written into the document → its
 * service URLs): the largest border box (CSS px) of the <img src> elements showing it, or null when
 * any other element or attribute uses the same value, or no <img> of it is laid out.
 */
export function imageBoxesFromSnapshot(
  snap: Protocol.DOMSnapshot.CaptureSnapshotResponse,
  sources: ReadonlyMap<string, readonly string[]>,
): Map<string, Size | null> {
  const out = new Map<string, Size | null>();
  const seen = new Set<string>();
  const doc = snap.documents[0];
  if (!doc) return out;
  const str = (i: number | undefined) => (i === undefined || i < 0 ? '' : (snap.strings[i] ?? ''));
  const boundsOf = new Map<number, number[]>();
  doc.layout.nodeIndex.forEach((node, j) => {
    if (!boundsOf.has(node)) boundsOf.set(node, doc.layout.bounds[j]);
  });
  const names = doc.nodes.nodeName ?? [];
  (doc.nodes.attributes ?? []).forEach((attrs, node) => {
    for (let k = 0; k + 1 < attrs.length; k += 2) {
      const urls = sources.get(str(attrs[k + 1]));
      if (!urls) continue;
      const b = boundsOf.get(node);
      const usable = str(names[node]).toUpperCase() === 'IMG' && str(attrs[k]).toLowerCase() === 'src' && b;
      for (const url of urls) {
        seen.add(url);
        const had = out.get(url);
        if (!usable || had === null) out.set(url, null);
        else out.set(url, { width: Math.max(had?.width ?? 0, b[2]), height: Math.max(had?.height ?? 0, b[3]) });
      }
    }
  });
  for (const urls of sources.values()) for (const url of urls) if (!seen.has(url)) out.set(url, null);
  for (const [url, box] of out) if (box && !(box.width > 0 && box.height > 0)) out.set(url, null);
  return out;
}

/** Measures the current document of a pool page (laid out at the viewport it has). */
export async function measureImageBoxes(
  slot: RenderSlot,
  sources: ReadonlyMap<string, readonly string[]>,
): Promise<Map<string, Size | null>> {
  const snap = await slot.cdp.send('DOMSnapshot.captureSnapshot', { computedStyles: [] });
  return imageBoxesFromSnapshot(snap, sources);
}
