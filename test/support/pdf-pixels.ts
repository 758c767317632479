/** A PDF page against another, pixel by pixel: for tests and benches of batch prints. */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Mean absolute difference per channel (0–255) of two PDFs' first pages rasterized at 40 dpi, in
 * `dir`, by poppler (pdftoppm) or by MuPDF (mutool draw): two independent PDF renderers.
 */
export function meanPixelDiff(
  dir: string,
  a: Uint8Array,
  b: Uint8Array,
  engine: 'poppler' | 'mupdf' = 'poppler',
): number {
  const raster = (pdf: Uint8Array, tag: string) => {
    const file = path.join(dir, `${tag}.pdf`);
    writeFileSync(file, pdf);
    if (engine === 'mupdf') {
      execFileSync('mutool', ['draw', '-q', '-r', '40', '-o', path.join(dir, `${tag}.pnm`), file, '1'], {
        stdio: 'ignore',
      });
      return readFileSync(path.join(dir, `${tag}.pnm`));
    }
    execFileSync('pdftoppm', ['-r', '40', '-singlefile', file, path.join(dir, tag)]);
    return readFileSync(path.join(dir, `${tag}.ppm`));
  };
  const [x, y] = [raster(a, 'px-a'), raster(b, 'px-b')];
  if (x.length !== y.length) return Infinity;
  let sum = 0;
  for (let k = 0; k < x.length; k++) sum += Math.abs(x[k] - y[k]);
  return sum / x.length;
}
