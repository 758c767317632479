import { clearFinished } from '../queue/clear-finished.js';
import { emailDeliveries } from '../metrics/domain-metrics.js';
import { DelayedError, UnrecoverableError, type Job, type Worker } from 'bullmq';
import nodemailer from 'nodemailer';
import { Redis } from 'ioredis';
import { redisRetryStrategy } from '../queue/queue-set.js';
import type { Runtime } from '../runtime.js';
import { createWorker } from '../queue/worker-factory.js';
import { QUEUE_NAMES } from '../queue/queues.js';
import { orgSendSlots } from './org-send-slots.js';
import { pdfAttachment } from './pdf-attachment.js';
import { orgSendGate } from './org-send-gate.js';
import { mailJobId, type MailEvent, type MailJob, type MailQueueJob } from './mail-job.js';
import {
  DEFAULT_HTML,
  DEFAULT_SUBJECT,
  DEFAULT_TEXT,
  renderMail,
  REVOKED_SUBJECT,
  REVOKED_TEXT,
  type MailContext,
} from './mail-templates.js';

const SWEEP_AFTER_MS = 5 * 60_000;
const longDate = new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' });

/** SMTP replies that will not change on a retry: the mailbox or the message is refused for good. */
const isPermanent = (code: number | undefined) => code !== undefined && code >= 550 && code <= 554;

type MailTarget = NonNullable<Awaited<ReturnType<Runtime['repos']['mailRepo']['getMailTarget']>>>;

/** The merge values of an email (the tags certificates have). */
function mailContext(rt: Runtime, t: MailTarget, email: string, event: MailEvent): MailContext {
  return {
    recipient: {
      name: t.recipient_name ?? t.recipient_user_id,
      email,
      user_id: t.recipient_user_id,
    },
    credential: {
      name: t.credential_name ?? '',
      description: t.credential_description ?? '',
      image: t.icon_image ? new URL(t.icon_image, rt.urls.base).toString() : rt.urls.defaultBadge,
    },
    issuer: { name: t.issuer_name ?? '', url: t.issuer_url ?? '', email: t.issuer_email ?? '' },
    issued_on: longDate.format(t.issued_on),
    expires: t.expires_at ? longDate.format(t.expires_at) : '',
    verification_url: rt.urls.verificationPage(t.id),
    // The recipient's own way to a wallet (issue 15); never in a revocation notice.
    claim_url: event === 'assertion.issued' ? rt.services.claimAnswers.one(t.id).url : '',
    assertion_id: t.id,
  };
}

/** The org's own template for an issued badge; the fixed notice for a revocation. */
function mailContent(ctx: MailContext, t: MailTarget, event: MailEvent) {
  return event === 'assertion.revoked'
    ? renderMail(ctx, { subject: REVOKED_SUBJECT, text: REVOKED_TEXT })
    : renderMail(ctx, {
        subject: t.subject ?? DEFAULT_SUBJECT,
        html: t.html_template ?? DEFAULT_HTML,
        text: t.text_template ?? DEFAULT_TEXT,
      });
}

/** Puts the job back, delayed to `at` with its data changed: it holds no worker while it waits. */
async function delayTo(
  job: Job<MailJob['data']>,
  at: number,
  token: string | undefined,
  data: MailJob['data'],
): Promise<never> {
  await job.updateData(data);
  await job.moveToDelayed(at, token);
  throw new DelayedError();
}

/**
 * The mail worker: one email per assertion and event. Sent once: the job id is per assertion and
 * event, and a job that finds its notification `sent` (a retry after a worker died) does nothing.
 * Per-org rate limit: each email reserves the org's next send slot (org-send-slots.ts); a job
 * whose slot is ahead waits (delayed) until then, once, instead of holding a worker. 4xx replies
 * and connection errors are retried with backoff; 550–554 and the last attempt's failure are
 * recorded on the notification.
 */
export function startMailWorker(rt: Runtime): { worker: Worker; close(): Promise<void> } {
  const cfg = rt.config.notify.mail!;
  const pooled = new URL(cfg.smtpUrl);
  pooled.searchParams.set('pool', 'true');
  pooled.searchParams.set('maxConnections', '4');
  const transport = nodemailer.createTransport(pooled.toString());
  const redis = new Redis(rt.redis.url, { maxRetriesPerRequest: 1, retryStrategy: redisRetryStrategy });
  redis.on('error', () => {});
  const { mailRepo } = rt.repos;
  const slots = orgSendSlots(redis, rt.redis.prefix, cfg.ratePerOrg);
  const gate = orgSendGate(redis, rt.redis.prefix, cfg.ratePerOrg);

  async function send(job: Job<MailJob['data']>, token?: string): Promise<MailJob['result']> {
    const { org, assertionId, event } = job.data;
    // The rate first, before any database work: a job waiting for its slot costs one Redis call.
    if (job.data.slot?.attempt !== job.attemptsMade) {
      const at = await slots.reserve(org);
      if (at > Date.now() + 20) {
        return delayTo(job, at, token, { ...job.data, slot: { at, attempt: job.attemptsMade } });
      }
    }
    const t = await mailRepo.getMailTarget(assertionId, event);
    if (!t || t.status === 'sent' || t.status === 'failed') return { status: t?.status ?? 'gone' };
    if (!t.recipient_email) {
      await mailRepo.setNotification(assertionId, event, { status: 'skipped', error: 'no recipient email' });
      emailDeliveries.inc({ outcome: 'skipped' });
      return { status: 'skipped' };
    }
    if (event === 'assertion.issued' && t.revoked_at) {
      // Revoked while its email waited (a slot, the PDF): no certificate or claim link goes out.
      await mailRepo.setNotification(assertionId, event, { status: 'skipped', error: 'revoked before sending' });
      emailDeliveries.inc({ outcome: 'skipped' });
      return { status: 'skipped' };
    }
    const ctx = mailContext(rt, t, t.recipient_email, event);
    let attachments: { filename: string; content: Buffer; contentType: string }[] | undefined;
    let note: string | null = null;
    if (event === 'assertion.issued' && t.attach_pdf) {
      const pdf = await pdfAttachment(
        { files: rt.files, renderQueue: rt.queues.render, maxWaitMs: cfg.pdfWaitMs },
        t,
        job.data.pdfWait,
      );
      if (pdf.kind === 'wait') {
        // Comes back later with a fresh send slot: the one held now goes unused rather than be kept.
        return delayTo(job, pdf.until, token, { ...job.data, slot: undefined, pdfWait: pdf.wait });
      }
      if (pdf.kind === 'attach') attachments = [pdf.attachment];
      else note = pdf.reason;
    }
    const content = mailContent(ctx, t, event);
    // Late (a backlog after a stall): the window is full, so wait for a fresh slot, spread out.
    const full = await gate.acquire(org, `${job.id}:${job.attemptsMade}:${Date.now()}`);
    if (full > 0) {
      const at = Math.max(await slots.reserve(org), Date.now() + full);
      return delayTo(job, at, token, { ...job.data, slot: { at, attempt: job.attemptsMade } });
    }
    try {
      await transport.sendMail({
        from: t.sender_name ? { name: t.sender_name, address: cfg.from } : cfg.from,
        ...(t.reply_to && { replyTo: t.reply_to }),
        to: { name: ctx.recipient.name, address: ctx.recipient.email },
        // Stable per assertion and event: a receiving server or client can tell a duplicate.
        messageId: `<${mailJobId(assertionId, event)}@${new URL(rt.urls.base).hostname}>`,
        ...content,
        ...(attachments && { attachments }),
      });
    } catch (err) {
      const e = err as Error & { responseCode?: number };
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const permanent = isPermanent(e.responseCode);
      const message = e.responseCode ? `${e.responseCode}: ${e.message}` : e.message;
      await mailRepo.setNotification(assertionId, event, {
        status: permanent || last ? 'failed' : 'queued',
        error: message.slice(0, 1000),
        attempted: true,
      });
      emailDeliveries.inc({ outcome: permanent || last ? 'failed' : 'retrying' });
      if (permanent) throw new UnrecoverableError(message);
      throw err;
    }
    // Sent; `note` says what it lacks (the PDF it was to carry, and why).
    await mailRepo.setNotification(assertionId, event, { status: 'sent', error: note, attempted: true });
    emailDeliveries.inc({ outcome: 'sent' });
    return { status: 'sent' };
  }

  async function sweep(): Promise<{ requeued: number }> {
    const stale = await mailRepo.staleQueuedNotifications(SWEEP_AFTER_MS, 5000);
    // An email whose job finished without settling its row runs again; one still queued is not doubled.
    await clearFinished(
      rt.queues.mail,
      stale.map((n) => mailJobId(n.assertion_id, n.event as MailEvent)),
    );
    await rt.queues.mail.addBulk(
      stale.map((n) => ({
        name: 'mail' as const,
        data: { org: n.org, assertionId: n.assertion_id, event: n.event as MailEvent },
        opts: {
          jobId: mailJobId(n.assertion_id, n.event as MailEvent),
          attempts: cfg.attempts,
          backoff: { type: 'exponential', delay: cfg.backoffMs },
        },
      })),
    );
    return { requeued: stale.length };
  }

  const worker: Worker = createWorker(rt, QUEUE_NAMES.mail, async (job: Job, token?: string) => {
    switch (job.name as MailQueueJob['name']) {
      case 'mail':
        return send(job as Job<MailJob['data']>, token);
      case 'sweep':
        return sweep();
      default:
        throw new Error(`Unknown mail job "${job.name}"`);
    }
  });
  rt.queues.mail
    .upsertJobScheduler('sweep', { every: 60_000 }, { name: 'sweep', data: {} })
    .catch((err: Error) => rt.logger.warn({ err: err.message }, 'mail sweep not scheduled'));
  return {
    worker,
    async close() {
      await worker.close();
      transport.close();
      redis.disconnect();
    },
  };
}
