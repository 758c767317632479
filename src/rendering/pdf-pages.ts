import { PDFDocument } from 'pdf-lib';

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
