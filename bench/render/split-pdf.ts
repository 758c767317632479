import { PDFDocument } from 'pdf-lib';

/**
 * A PDF split into single-page PDFs with pdf-lib (each page copies only the objects it uses),
 * `each` applied to every one-page document before it is saved.
 */
export async function splitPdf(pdf: Uint8Array, each?: (page: PDFDocument) => void): Promise<Uint8Array[]> {
  const src = await PDFDocument.load(pdf, { updateMetadata: false });
  const out: Uint8Array[] = [];
  for (let p = 0; p < src.getPageCount(); p++) {
    const d = await PDFDocument.create({ updateMetadata: false });
    const [page] = await d.copyPages(src, [p]);
    d.addPage(page);
    each?.(d);
    out.push(await d.save({ useObjectStreams: false }));
  }
  return out;
}
