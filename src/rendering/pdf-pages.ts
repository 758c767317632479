import { inflateSync } from 'node:zlib';
import { PDFDocument, PDFName, type PDFRawStream } from 'pdf-lib';

/** A stream's decoded bytes: Skia writes them raw or FlateDecode; any other filter is refused. */
export function streamBytes(s: PDFRawStream): Uint8Array {
  const filter = s.dict.get(PDFName.of('Filter'));
  if (filter === undefined) return s.contents;
  if (filter.toString() !== '/FlateDecode') throw new Error(`unexpected stream filter ${filter.toString()}`);
  return inflateSync(s.contents);
}

/**
 * A PDF split into single-page PDFs with pdf-lib (each page copies only the objects it uses: Skia
 * gives every page its own resource dictionary), `each` applied to every one-page document before
 * it is saved.
 */
export async function splitPages(pdf: Uint8Array, each?: (page: PDFDocument) => void): Promise<Buffer[]> {
  const src = await PDFDocument.load(pdf, { updateMetadata: false });
  const out: Buffer[] = [];
  for (let p = 0; p < src.getPageCount(); p++) {
    const d = await PDFDocument.create({ updateMetadata: false });
    const [page] = await d.copyPages(src, [p]);
    d.addPage(page);
    each?.(d);
    out.push(Buffer.from(await d.save({ useObjectStreams: false })));
  }
  return out;
}
