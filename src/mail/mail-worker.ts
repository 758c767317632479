import { DelayedError, UnrecoverableError, type Job, type Worker } from 'bullmq';
import nodemailer from 'nodemailer';
import { Redis } from 'ioredis';
import { redisRetryStrategy } from '../queue/queue-set.js';
import type { Runtime } from '../runtime.js';
import { createWorker } from '../queue/worker-factory.js';
import { QUEUE_NAMES } from '../queue/queues.js';
import { getAssertionById } from '../db/assertion-repository.js';
import { getCredentialById, getIssuerById } from '../db/catalog-repository.js';
import { getMailSettings, getNotification, setNotification, staleQueuedNotifications } from '../db/mail-repository.js';
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

/**
 * The mail worker: one email per assertion and event. Sent once: the job id is per assertion and
 * event, and a job that finds its notification `sent` (a retry after a worker died) does nothing.
 * Per-org rate limit: a fixed window counted in Redis; a job over it waits (delayed) for the next
 * window instead of holding a worker slot. 4xx replies and connection errors are retried with
 * backoff; 550–554 and the last attempt's failure are recorded on the notification.
 */
export function startMailWorker(rt: Runtime): { worker: Worker; close(): Promise<void> } {
  const cfg = rt.config.notify.mail!;
  const pooled = new URL(cfg.smtpUrl);
  pooled.searchParams.set('pool', 'true');
  pooled.searchParams.set('maxConnections', '4');
  const transport = nodemailer.createTransport(pooled.toString());
  const redis = new Redis(rt.redis.url, { maxRetriesPerRequest: 1, retryStrategy: redisRetryStrategy });
  redis.on('error', () => {});
  const { db } = rt;
  const windowMs = cfg.ratePerOrg.seconds * 1000;

  async function overRate(org: string): Promise<number | undefined> {
    const window = Math.floor(Date.now() / windowMs);
    const key = `${rt.redis.prefix}:mail-rate:${org}:${window}`;
    const [[, n]] = (await redis
      .multi()
      .incr(key)
      .pexpire(key, windowMs * 2)
      .exec()) as [[null, number]];
    return n > cfg.ratePerOrg.points ? (window + 1) * windowMs : undefined;
  }

  async function context(assertionId: string): Promise<MailContext | undefined> {
    const a = await getAssertionById(db, assertionId);
    if (!a || !a.recipient_email) return undefined;
    const credential = await getCredentialById(db, a.credential_id);
    const issuer = await getIssuerById(db, a.issuer_id);
    return {
      recipient: {
        name: a.recipient_name ?? a.recipient_user_id,
        email: a.recipient_email,
        user_id: a.recipient_user_id,
      },
      credential: {
        name: credential?.name ?? '',
        description: credential?.description ?? '',
        image: credential?.icon_image ? new URL(credential.icon_image, rt.urls.base).toString() : rt.urls.defaultBadge,
      },
      issuer: { name: issuer?.name ?? '', url: issuer?.url ?? '', email: issuer?.email ?? '' },
      issued_on: longDate.format(a.issued_on),
      expires: a.expires_at ? longDate.format(a.expires_at) : '',
      verification_url: rt.urls.verificationPage(a.id),
      assertion_id: a.id,
    };
  }

  async function send(job: Job<MailJob['data']>, token?: string): Promise<MailJob['result']> {
    const { org, assertionId, event } = job.data;
    const n = await getNotification(db, assertionId, event);
    if (!n || n.status === 'sent' || n.status === 'failed') return { status: n?.status ?? 'gone' };
    const wait = await overRate(org);
    if (wait !== undefined) {
      await job.moveToDelayed(wait + Math.floor(Math.random() * 250), token);
      throw new DelayedError();
    }
    const ctx = await context(assertionId);
    if (!ctx) {
      await setNotification(db, assertionId, event, { status: 'skipped', error: 'no recipient email' });
      return { status: 'skipped' };
    }
    const s = await getMailSettings(db, org);
    const content =
      event === 'assertion.revoked'
        ? renderMail(ctx, { subject: REVOKED_SUBJECT, text: REVOKED_TEXT })
        : renderMail(ctx, {
            subject: s?.subject ?? DEFAULT_SUBJECT,
            html: s?.html_template ?? DEFAULT_HTML,
            text: s?.text_template ?? DEFAULT_TEXT,
          });
    await setNotification(db, assertionId, event, { status: 'queued', attempted: true });
    try {
      await transport.sendMail({
        from: s?.sender_name ? { name: s.sender_name, address: cfg.from } : cfg.from,
        ...(s?.reply_to && { replyTo: s.reply_to }),
        to: ctx.recipient.name ? { name: ctx.recipient.name, address: ctx.recipient.email } : ctx.recipient.email,
        // Stable per assertion and event: a receiving server or client can tell a duplicate.
        messageId: `<${mailJobId(assertionId, event)}@${new URL(rt.urls.base).hostname}>`,
        ...content,
      });
    } catch (err) {
      const e = err as Error & { responseCode?: number };
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const permanent = isPermanent(e.responseCode);
      const message = e.responseCode ? `${e.responseCode}: ${e.message}` : e.message;
      await setNotification(db, assertionId, event, {
        status: permanent || last ? 'failed' : 'queued',
        error: message.slice(0, 1000),
      });
      if (permanent) throw new UnrecoverableError(message);
      throw err;
    }
    await setNotification(db, assertionId, event, { status: 'sent', error: null });
    return { status: 'sent' };
  }

  async function sweep(): Promise<{ requeued: number }> {
    const stale = await staleQueuedNotifications(db, SWEEP_AFTER_MS, 5000);
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
