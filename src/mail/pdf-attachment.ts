import { renderJobId } from '../rendering/render-jobs.js';
import type { FileStore } from '../storage/file-store.js';
import { downloadName, renderKey } from '../rendering/render-files.js';

/** The first wait for a certificate not rendered yet; each next one doubles, up to the cap. */
const FIRST_WAIT_MS = 2_000;
const MAX_WAIT_MS = 60_000;

/** How long an email has waited for its PDF so far (kept in the job's data across its delays). */
export interface PdfWait {
  since: number;
  waits: number;
}

export type PdfDecision =
  | { kind: 'attach'; attachment: { filename: string; content: Buffer; contentType: 'application/pdf' } }
  | { kind: 'wait'; until: number; wait: PdfWait }
  | { kind: 'without'; reason: string };

/** The render queue, as far as this needs it. */
export interface RenderJobLookup {
  getJob(id: string): Promise<{ isFailed(): Promise<boolean>; failedReason?: string } | undefined>;
}

export interface PdfTarget {
  id: string;
  org: string;
  template_version: number | null;
  credential_name: string | null;
  recipient_name: string | null;
}

/**
 * `attach_pdf`: the issuance email carries the certificate PDF the render worker stores. Not
 * rendered yet → wait (exponential, bounded by `maxWaitMs` in all); its render failed for good, or
 * the bound passed → the email goes without, and the caller records why.
 */
export async function pdfAttachment(
  deps: { files: FileStore; renderQueue: RenderJobLookup; maxWaitMs: number },
  t: PdfTarget,
  wait: PdfWait | undefined,
  now = Date.now(),
): Promise<PdfDecision> {
  if (t.template_version === null) return { kind: 'without', reason: 'the credential no longer exists' };
  const pdf = await deps.files.get(renderKey(t.org, t.id, t.template_version, 'certificate.pdf'));
  if (pdf) {
    return {
      kind: 'attach',
      attachment: {
        filename: downloadName(t.credential_name ?? '', t.recipient_name, 'certificate.pdf'),
        content: pdf.body,
        contentType: 'application/pdf',
      },
    };
  }
  // The render of every issued assertion is queued as `render-<id>` (src/issuance/render-enqueue.ts).
  const render = await deps.renderQueue.getJob(renderJobId(t.id));
  if (render && (await render.isFailed())) {
    return { kind: 'without', reason: `sent without the PDF: its render failed (${render.failedReason ?? ''})` };
  }
  const since = wait?.since ?? now;
  const waited = now - since;
  if (waited >= deps.maxWaitMs) {
    return { kind: 'without', reason: `sent without the PDF: not rendered within ${Math.round(waited / 1000)} s` };
  }
  const waits = wait?.waits ?? 0;
  const delay = Math.min(FIRST_WAIT_MS * 2 ** waits, MAX_WAIT_MS, deps.maxWaitMs - waited);
  return { kind: 'wait', until: now + Math.max(delay, 1), wait: { since, waits: waits + 1 } };
}
