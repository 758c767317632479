/**
 * A bulk's progress for a person: on a terminal one bar redrawn in place; elsewhere (a pipe, a
 * CI log) a plain line each time the counts change, so logs stay readable.
 */
export interface BulkProgress {
  done: number;
  total: number;
  issued?: number;
  rendered?: number;
  failed_renders?: number;
}

const WIDTH = 30;

export function progressText(p: BulkProgress): string {
  const parts = [`users ${p.done}/${p.total}`];
  if (p.issued !== undefined) parts.push(`issued ${p.issued}`);
  if (p.rendered !== undefined) parts.push(`rendered ${p.rendered}/${p.issued ?? p.total}`);
  if (p.failed_renders) parts.push(`failed renders ${p.failed_renders}`);
  return parts.join(', ');
}

/** The bar's fill: issuing is the first half of the work, rendering what was issued the second. */
export function progressRatio(p: BulkProgress): number {
  const issuing = p.total ? p.done / p.total : 1;
  const settled = (p.rendered ?? 0) + (p.failed_renders ?? 0);
  const rendering = p.issued ? settled / p.issued : issuing >= 1 ? 1 : 0;
  return Math.min(1, (issuing + rendering) / 2);
}

export function progressReporter(out: NodeJS.WriteStream | NodeJS.WritableStream) {
  const tty = (out as NodeJS.WriteStream).isTTY === true;
  let last = '';
  return {
    update(p: BulkProgress): void {
      const text = progressText(p);
      if (text === last) return;
      last = text;
      if (!tty) {
        out.write(`${text}\n`);
        return;
      }
      const filled = Math.round(progressRatio(p) * WIDTH);
      out.write(`\r[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${text}\x1b[K`);
    },
    /** Ends the bar's line on a terminal. */
    end(): void {
      if (tty && last) out.write('\n');
    },
  };
}
