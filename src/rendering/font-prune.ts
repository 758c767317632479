/**
 * Font pruning for pages split out of a batch print (certificate-batches.ts). Chromium (Skia) subsets
 * each font once per document, so every page of a batch would carry the glyphs of all its
 * certificates — other recipients' names, recoverable from the font. A split page keeps, in each
 * embedded TrueType font, only the glyphs its own content streams draw (plus .notdef and composite
 * glyphs' parts), and only the tables a viewer draws a CIDFontType2 with: no cmap, GSUB, GPOS or
 * GDEF, which list every glyph the whole batch used. /W and /ToUnicode are cut to the drawn glyphs
 * too; OS/2 (whose Unicode ranges and first/last characters the subsetter set from the whole batch)
 * is dropped. Glyph ids stay (Skia's fonts are Identity-H), so the content is unchanged. head's
 * bounding box and hhea's extremes are recomputed from the kept glyphs. maxp's maxima are left:
 * Skia copies them from the source font (the same for every document), and they are upper bounds a
 * rasterizer allocates by, never drawn.
 */
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { PDFArray, PDFDict, PDFName, PDFNumber, PDFRawStream, PDFRef, type PDFDocument } from 'pdf-lib';
import { streamBytes } from './pdf-pages.js';

/** What a viewer needs of a TrueType font embedded as CIDFontType2 (PDF 32000 §9.9); none lists glyphs. */
const KEEP_TABLES = ['cvt ', 'fpgm', 'glyf', 'head', 'hhea', 'hmtx', 'loca', 'maxp', 'post', 'prep'];

/** Glyph ids drawn per Type0 font, from a page's content streams and the form XObjects they draw. */
function drawnGlyphs(doc: PDFDocument, page: PDFDict): Map<PDFDict, Set<number>> {
  const used = new Map<PDFDict, Set<number>>();
  const visit = (contents: Uint8Array, res: PDFDict | undefined) => {
    const fontDict = res?.lookup(PDFName.of('Font'));
    const xobjects = res?.lookup(PDFName.of('XObject'));
    // every font the page may use is pruned, drawn with or not
    if (fontDict instanceof PDFDict)
      for (const [, ref] of fontDict.entries()) {
        const f = doc.context.lookup(ref) as PDFDict;
        if (!used.has(f)) used.set(f, new Set());
      }
    let font: PDFDict | undefined;
    const text = Buffer.from(contents).toString('latin1');
    // Skia writes glyph ids as hex strings (Identity-H, 2 bytes each) for Tj / TJ.
    for (const m of text.matchAll(/\/([^\s/<>[\]()]+)\s+[\d.]+\s+Tf|<([0-9A-Fa-f\s]*)>|\/([^\s/<>[\]()]+)\s+Do/g)) {
      if (m[1]) {
        font = fontDict instanceof PDFDict ? (fontDict.lookup(PDFName.of(m[1])) as PDFDict | undefined) : undefined;
      } else if (m[2] !== undefined && font) {
        const hex = m[2].replace(/\s/g, '');
        const set = used.get(font) ?? used.set(font, new Set()).get(font)!;
        for (let i = 0; i + 4 <= hex.length; i += 4) set.add(parseInt(hex.slice(i, i + 4), 16));
      } else if (m[3] && xobjects instanceof PDFDict) {
        const form = xobjects.lookup(PDFName.of(m[3]));
        if (form instanceof PDFRawStream && form.dict.get(PDFName.of('Subtype'))?.toString() === '/Form') {
          const own = form.dict.lookup(PDFName.of('Resources'));
          visit(streamBytes(form), own instanceof PDFDict ? own : res);
        }
      }
    }
  };
  const contents = page.lookup(PDFName.of('Contents'));
  const streams = contents instanceof PDFArray ? contents.asArray().map((r) => doc.context.lookup(r)) : [contents];
  const res = page.lookup(PDFName.of('Resources'));
  for (const s of streams) visit(streamBytes(s as PDFRawStream), res instanceof PDFDict ? res : undefined);
  return used;
}

/** The TrueType font with only `drawn` glyphs (and their closure) and KEEP_TABLES; hmtx zeroed elsewhere. */
export function pruneTrueType(ttf: Uint8Array, drawn: Set<number>): Uint8Array {
  const dv = new DataView(ttf.buffer, ttf.byteOffset, ttf.byteLength);
  const tables = new Map<string, Uint8Array>();
  for (let i = 0; i < dv.getUint16(4); i++) {
    const r = 12 + i * 16;
    const off = dv.getUint32(r + 8);
    tables.set(String.fromCharCode(...ttf.subarray(r, r + 4)), ttf.subarray(off, off + dv.getUint32(r + 12)));
  }
  const view = (t: string) => new DataView(tables.get(t)!.buffer, tables.get(t)!.byteOffset, tables.get(t)!.byteLength);
  const longLoca = view('head').getInt16(50) === 1;
  const n = view('maxp').getUint16(4);
  const loca = view('loca');
  const glyf = tables.get('glyf')!;
  const gv = view('glyf');
  const at = (g: number) => (longLoca ? loca.getUint32(g * 4) : loca.getUint16(g * 2) * 2);
  const keep = new Set<number>();
  const add = (g: number) => {
    if (g >= n || keep.has(g)) return;
    keep.add(g);
    if (at(g + 1) <= at(g) || gv.getInt16(at(g)) >= 0) return;
    // a composite glyph: its parts are drawn too
    for (let p = at(g) + 10; ;) {
      const flags = gv.getUint16(p);
      add(gv.getUint16(p + 2));
      p += 4 + (flags & 1 ? 4 : 2) + (flags & 8 ? 2 : flags & 0x40 ? 4 : flags & 0x80 ? 8 : 0);
      if (!(flags & 0x20)) break;
    }
  };
  add(0);
  for (const g of drawn) add(g);

  // The glyph count ends at the last kept glyph: Skia's subset ends at the document's last used
  // one, which would tell that some other certificate drew a glyph further on.
  const count = Math.max(...keep) + 1;
  const newLoca = new DataView(new ArrayBuffer((count + 1) * 4));
  let size = 0;
  for (let g = 0; g < count; g++) {
    newLoca.setUint32(g * 4, size);
    if (keep.has(g)) size += (at(g + 1) - at(g) + 3) & ~3;
  }
  newLoca.setUint32(count * 4, size);
  const newGlyf = new Uint8Array(size);
  for (let g = 0; g < count; g++)
    if (keep.has(g)) newGlyf.set(glyf.subarray(at(g), at(g + 1)), newLoca.getUint32(g * 4));
  // hmtx: long metrics up to the count, then the side bearings of any kept glyphs past them
  const oldHv = view('hmtx');
  const longMetrics = Math.min(view('hhea').getUint16(34), count);
  const hmtx = new Uint8Array(longMetrics * 4 + (count - longMetrics) * 2);
  const hv = new DataView(hmtx.buffer);
  for (let g = 0; g < count; g++) {
    const long = g < longMetrics;
    const from = long ? g * 4 : view('hhea').getUint16(34) * 4 + (g - view('hhea').getUint16(34)) * 2;
    const to = long ? g * 4 : longMetrics * 4 + (g - longMetrics) * 2;
    // the last long metric's advance is every later glyph's too: it stays, kept or not
    if (long && (keep.has(g) || g === longMetrics - 1) && from + 2 <= oldHv.byteLength)
      hv.setUint16(to, oldHv.getUint16(from));
    if (keep.has(g) && from + (long ? 4 : 2) <= oldHv.byteLength)
      hv.setInt16(to + (long ? 2 : 0), oldHv.getInt16(from + (long ? 2 : 0)));
  }
  const head = new Uint8Array(tables.get('head')!);
  new DataView(head.buffer).setUint32(8, 0); // checkSumAdjustment: set once the file is whole
  new DataView(head.buffer).setInt16(50, 1); // long loca
  const hhea = new Uint8Array(tables.get('hhea')!);
  new DataView(hhea.buffer).setUint16(34, longMetrics);
  const maxp = new Uint8Array(tables.get('maxp')!);
  new DataView(maxp.buffer).setUint16(4, count);
  summarize(keep, { at, gv, hv, longMetrics }, new DataView(head.buffer), new DataView(hhea.buffer));
  // post format 3: no glyph names
  const post = new Uint8Array(32);
  if (tables.has('post')) post.set(tables.get('post')!.subarray(4, 32), 4);
  new DataView(post.buffer).setUint32(0, 0x00030000);
  const out = new Map<string, Uint8Array>([
    ['glyf', newGlyf],
    ['loca', new Uint8Array(newLoca.buffer)],
    ['hmtx', hmtx],
    ['head', head],
    ['hhea', hhea],
    ['maxp', maxp],
    ['post', post],
  ]);
  for (const tag of KEEP_TABLES) if (!out.has(tag) && tables.has(tag)) out.set(tag, tables.get(tag)!);
  const tags = KEEP_TABLES.filter((t) => out.has(t));
  let total = 12 + tags.length * 16;
  for (const t of tags) total += (out.get(t)!.length + 3) & ~3;
  const file = new Uint8Array(total);
  const fv = new DataView(file.buffer);
  fv.setUint32(0, 0x00010000);
  fv.setUint16(4, tags.length);
  const log2 = Math.floor(Math.log2(tags.length));
  fv.setUint16(6, 16 << log2); // searchRange
  fv.setUint16(8, log2); // entrySelector
  fv.setUint16(10, tags.length * 16 - (16 << log2)); // rangeShift
  let off = 12 + tags.length * 16;
  let headAt = -1;
  tags.forEach((tag, i) => {
    const body = out.get(tag)!;
    for (let k = 0; k < 4; k++) file[12 + i * 16 + k] = tag.charCodeAt(k);
    file.set(body, off);
    fv.setUint32(12 + i * 16 + 4, checksum(fv, off, body.length));
    fv.setUint32(12 + i * 16 + 8, off);
    fv.setUint32(12 + i * 16 + 12, body.length);
    if (tag === 'head') headAt = off;
    off += (body.length + 3) & ~3;
  });
  // head.checkSumAdjustment (0 while the tables were summed): the whole file then sums to 0xB1B0AFBA
  if (headAt >= 0) fv.setUint32(headAt + 8, (0xb1b0afba - checksum(fv, 0, file.length)) >>> 0);
  return file;
}

/** The TrueType checksum of a table at `at`: its big-endian 32-bit words summed (the file pads it with zeros). */
function checksum(v: DataView, at: number, length: number): number {
  let sum = 0;
  for (let i = 0; i < length; i += 4) sum = (sum + v.getUint32(at + i)) >>> 0;
  return sum;
}

interface Glyphs {
  /** offset of glyph g in glyf */
  at: (g: number) => number;
  gv: DataView;
  /** the (pruned) hmtx */
  hv: DataView;
  longMetrics: number;
}

/** head's bounding box and hhea's advance and side-bearing extremes over the kept glyphs only. */
function summarize(keep: Set<number>, { at, gv, hv, longMetrics }: Glyphs, head: DataView, hhea: DataView): void {
  let [xMin, yMin, xMax, yMax] = [Infinity, Infinity, -Infinity, -Infinity];
  let [maxAdvance, minLsb, minRsb, maxExtent] = [0, Infinity, Infinity, -Infinity];
  for (const g of keep) {
    const m = Math.min(g, longMetrics - 1);
    const advance = hv.getUint16(m * 4);
    maxAdvance = Math.max(maxAdvance, advance);
    if (at(g + 1) <= at(g)) continue; // no outline (a space): no box
    const [x0, y0, x1, y1] = [2, 4, 6, 8].map((o) => gv.getInt16(at(g) + o));
    [xMin, yMin, xMax, yMax] = [Math.min(xMin, x0), Math.min(yMin, y0), Math.max(xMax, x1), Math.max(yMax, y1)];
    const lsbAt = g < longMetrics ? g * 4 + 2 : longMetrics * 4 + (g - longMetrics) * 2;
    const lsb = lsbAt + 2 <= hv.byteLength ? hv.getInt16(lsbAt) : 0;
    minLsb = Math.min(minLsb, lsb);
    minRsb = Math.min(minRsb, advance - (lsb + x1 - x0));
    maxExtent = Math.max(maxExtent, lsb + x1 - x0);
  }
  if (xMin === Infinity) [xMin, yMin, xMax, yMax, minLsb, minRsb, maxExtent] = [0, 0, 0, 0, 0, 0, 0];
  [xMin, yMin, xMax, yMax].forEach((v, i) => head.setInt16(36 + i * 2, v));
  hhea.setUint16(10, maxAdvance);
  [minLsb, minRsb, maxExtent].forEach((v, i) => hhea.setInt16(12 + i * 2, v));
}

/** /W entries of the drawn glyphs only. */
function cutWidths(doc: PDFDocument, cid: PDFDict, drawn: Set<number>): void {
  const w = cid
    .lookup(PDFName.of('W'), PDFArray)
    .asArray()
    .map((x) => doc.context.lookup(x));
  const widths = new Map<number, number>();
  for (let k = 0; k < w.length;) {
    const first = (w[k] as PDFNumber).asNumber();
    if (w[k + 1] instanceof PDFArray) {
      (w[k + 1] as PDFArray).asArray().forEach((x, j) => widths.set(first + j, (x as PDFNumber).asNumber()));
      k += 2;
    } else {
      const last = (w[k + 1] as PDFNumber).asNumber();
      for (let g = first; g <= last; g++) widths.set(g, (w[k + 2] as PDFNumber).asNumber());
      k += 3;
    }
  }
  const kept = [...drawn].filter((g) => widths.has(g)).sort((a, b) => a - b);
  cid.set(PDFName.of('W'), doc.context.obj(kept.flatMap((g) => [g, [widths.get(g)!]])));
}

/** /ToUnicode entries of the drawn glyphs only (as bfchar). */
function cutToUnicode(doc: PDFDocument, type0: PDFDict, drawn: Set<number>): void {
  const ref = type0.get(PDFName.of('ToUnicode'));
  if (!(ref instanceof PDFRef)) return;
  const cmap = Buffer.from(streamBytes(doc.context.lookup(ref) as PDFRawStream)).toString('latin1');
  const map = new Map<number, string>();
  for (const b of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g))
    for (const m of b[1].matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g)) map.set(parseInt(m[1], 16), m[2]);
  for (const b of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g))
    // `<lo> <hi> <dst>` (dst counts up) or `<lo> <hi> [<dst> …]` (one each); an array is consumed whole
    for (const m of b[1].matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(?:<([0-9A-Fa-f]+)>|\[([^\]]*)\])/g)) {
      const [lo, hi] = [parseInt(m[1], 16), parseInt(m[2], 16)];
      const each = m[4] === undefined ? null : [...m[4].matchAll(/<([0-9A-Fa-f]+)>/g)].map((d) => d[1]);
      for (let g = lo; g <= hi && g - lo < 65536; g++) {
        const dst = each ? each[g - lo] : (parseInt(m[3], 16) + g - lo).toString(16).padStart(m[3].length, '0');
        if (dst !== undefined) map.set(g, dst);
      }
    }
  const entries = [...drawn].filter((g) => map.has(g)).sort((a, b) => a - b);
  const end = cmap.indexOf('endcodespacerange');
  if (end < 0) throw new Error('a ToUnicode CMap without a codespace range');
  const head = cmap.slice(0, end + 'endcodespacerange'.length);
  // at most 100 entries a block (PDF 32000 §9.10.3)
  let body = '';
  for (let i = 0; i < entries.length; i += 100) {
    const block = entries.slice(i, i + 100);
    body += `${block.length} beginbfchar\n${block.map((g) => `<${g.toString(16).padStart(4, '0')}> <${map.get(g)}>`).join('\n')}\nendbfchar\n`;
  }
  const cut = `${head}\n${body}endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n`;
  doc.context.delete(ref);
  type0.set(
    PDFName.of('ToUnicode'),
    doc.context.register(doc.context.stream(deflateSync(cut), { Filter: 'FlateDecode' })),
  );
}

/** Prunes every font the single page of `doc` draws with; throws on a font that is not TrueType. */
export function pruneFontsOfPage(doc: PDFDocument): void {
  const [page] = doc.getPages();
  for (const [type0, drawn] of drawnGlyphs(doc, page.node)) {
    const cid = doc.context.lookup(type0.lookup(PDFName.of('DescendantFonts'), PDFArray).get(0)) as PDFDict;
    const descriptor = cid.lookup(PDFName.of('FontDescriptor'), PDFDict);
    const ref = descriptor.get(PDFName.of('FontFile2'));
    if (!(ref instanceof PDFRef)) throw new Error(`not a TrueType font: ${String(cid.get(PDFName.of('BaseFont')))}`);
    const pruned = pruneTrueType(streamBytes(doc.context.lookup(ref) as PDFRawStream), drawn);
    doc.context.delete(ref);
    const stream = doc.context.stream(deflateSync(pruned), { Filter: 'FlateDecode', Length1: pruned.length });
    descriptor.set(PDFName.of('FontFile2'), doc.context.register(stream));
    cutWidths(doc, cid, drawn);
    cutToUnicode(doc, type0, drawn);
    // Skia tags subsets AAAAAA, BAAAAA, … in order of first use in the document: a split page's tags
    // would count the fonts earlier certificates used. The tag becomes a digest of the pruned font.
    const tag = [...createHash('sha256').update(pruned).digest().subarray(0, 6)]
      .map((b) => String.fromCharCode(65 + (b % 26)))
      .join('');
    for (const [dict, key] of [
      [type0, 'BaseFont'],
      [cid, 'BaseFont'],
      [descriptor, 'FontName'],
    ] as const) {
      const name = dict.get(PDFName.of(key));
      if (name instanceof PDFName)
        dict.set(PDFName.of(key), PDFName.of(`${tag}+${name.decodeText().replace(/^[A-Z]{6}\+/, '')}`));
    }
  }
}
