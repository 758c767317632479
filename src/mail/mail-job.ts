import type { JobOwner } from '../queue/queues.js';
import type { PdfWait } from './pdf-attachment.js';

/** The email events a recipient may be told of. */
export type MailEvent = 'assertion.issued' | 'assertion.revoked';

/** Jobs of the `mail` queue: one email per assertion and event (the job id makes it idempotent). */
export interface MailJob {
  name: 'mail';
  data: Pick<JobOwner, 'org'> & {
    assertionId: string;
    event: MailEvent;
    /** The send slot this attempt reserved (src/mail/org-send-slots.ts), and for which attempt. */
    slot?: { at: number; attempt: number };
    /** `attach_pdf`: how long this email has waited for its certificate (src/mail/pdf-attachment.ts). */
    pdfWait?: PdfWait;
  };
  result: { status: string };
}

export interface MailSweepJob {
  name: 'sweep';
  data: Record<string, never>;
  result: { requeued: number };
}

export type MailQueueJob = MailJob | MailSweepJob;

export const mailJobId = (assertionId: string, event: MailEvent) => `mail-${assertionId}-${event.replace('.', '-')}`;
