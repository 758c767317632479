/** What a PDF's embedded fonts carry: for tests and benches of batch prints (certificate-batches.ts). */
import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFNumber, PDFRawStream } from 'pdf-lib';
import { contentNames } from '../../src/rendering/page-resources.js';

/** Glyph ids each embedded CID font carries (from its /W widths), by font name without the subset tag. */
export async function fontGlyphs(pdf: Uint8Array): Promise<Map<string, Set<number>>> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const out = new Map<string, Set<number>>();
  for (const [, obj] of doc.context.enumerateIndirectObjects()) {
    if (!(obj instanceof PDFDict) || obj.get(PDFName.of('Subtype'))?.toString() !== '/CIDFontType2') continue;
    const fontName = obj
      .get(PDFName.of('BaseFont'))!
      .toString()
      .replace(/^\/[A-Z]{6}\+/, '');
    const w = obj
      .lookup(PDFName.of('W'), PDFArray)
      .asArray()
      .map((x) => doc.context.lookup(x));
    const set = out.get(fontName) ?? new Set<number>();
    for (let k = 0; k < w.length;) {
      const first = (w[k] as PDFNumber).asNumber();
      if (w[k + 1] instanceof PDFArray) {
        (w[k + 1] as PDFArray).asArray().forEach((_, j) => set.add(first + j));
        k += 2;
      } else {
        for (let g = first; g <= (w[k + 1] as PDFNumber).asNumber(); g++) set.add(g);
        k += 3;
      }
    }
    out.set(fontName, set);
  }
  return out;
}

/**
 * Each embedded font of a one-page PDF — its program and its descriptor, minus the subset tag and
 * object numbers — by font name: what must not depend on which other certificates shared the batch.
 */
export async function embeddedFonts(pdf: Uint8Array): Promise<Map<string, string>> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const out = new Map<string, string>();
  for (const [, obj] of doc.context.enumerateIndirectObjects()) {
    if (!(obj instanceof PDFDict) || obj.get(PDFName.of('Type'))?.toString() !== '/FontDescriptor') continue;
    const name = String(obj.get(PDFName.of('FontName'))).replace(/^\/[A-Z]{6}\+/, '');
    const program = obj.lookup(PDFName.of('FontFile2')) as PDFRawStream;
    const fields = obj
      .entries()
      .filter(([k]) => !['/FontFile2', '/FontName'].includes(k.toString()))
      .map(([k, v]) => `${k.toString()} ${v.toString()}`)
      .sort();
    out.set(name, `${fields.join(' ')} ${createHash('sha256').update(inflateSync(program.contents)).digest('hex')}`);
  }
  return out;
}

/**
 * The names a one-page PDF gives its resources: each resource dictionary's keys by kind, the name
 * tokens of the page's content streams in order, and every font's BaseFont with its subset tag —
 * what must not depend on which other certificates shared a batch print.
 */
export async function pageNames(pdf: Uint8Array): Promise<Record<string, string[]>> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const page = doc.getPages()[0].node;
  const out: Record<string, string[]> = {};
  const res = page.lookup(PDFName.of('Resources'), PDFDict);
  for (const [kind, dict] of res.entries())
    if (doc.context.lookup(dict) instanceof PDFDict)
      out[kind.asString()] = (doc.context.lookup(dict) as PDFDict).keys().map((k) => k.asString());
  const contents = page.lookup(PDFName.of('Contents'));
  const streams = contents instanceof PDFArray ? contents.asArray().map((r) => doc.context.lookup(r)) : [contents];
  out.content = streams.flatMap((s) =>
    contentNames(inflateSync((s as PDFRawStream).contents).toString('latin1')).map((t) => t.name),
  );
  out.fonts = [];
  for (const [, obj] of doc.context.enumerateIndirectObjects())
    if (obj instanceof PDFDict && obj.get(PDFName.of('BaseFont')))
      out.fonts.push(`${String(obj.get(PDFName.of('Subtype')))} ${String(obj.get(PDFName.of('BaseFont')))}`);
  out.fonts.sort();
  return out;
}
