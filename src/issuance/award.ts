import type { Db } from '../db/database.js';
import type { AssertionRepository } from '../db/assertion-repository.js';
import { ValidationError } from '../errors.js';
import type { IssuerKeyService } from '../issuers/issuer-keys.js';
import type { PublicUrls } from '../public-urls.js';
import type { QueueSet } from '../queue/queue-set.js';
import type { Notifier } from '../events/notifier.js';
import type { AwardDetails, ResolvedRecipient } from './issuance-jobs.js';
import { expiryOf } from './credential-document.js';
import type { StatusListService } from './status-lists.js';
import type { DataIntegrityPool } from '../signing/data-integrity-pool.js';
import type { Issuable } from './issuable.js';
import { buildAwardRows, type AwardContext } from './award-rows.js';
import { issuerRefOf } from './award-proofs.js';
import { insertAwardRows } from './award-insert.js';
import { enqueueRenders } from './render-enqueue.js';
import { bulkRenderRepository } from '../db/bulk-render-repository.js';
import { assertionsIssued } from '../metrics/domain-metrics.js';

/** What an award uses: the rows' stores, the signing keys, the status lists and the render queue. */
export interface AwardDeps {
  db: Db;
  assertionRepo: AssertionRepository;
  urls: PublicUrls;
  issuerKeys: IssuerKeyService;
  statusLists: StatusListService;
  /** Signs a bulk's proofs on threads (award-proofs.ts). */
  signingPool: DataIntegrityPool;
  queues: QueueSet;
  /** Issue 16: records `assertion.issued`/`reissued` in the insert's transaction. */
  notifier?: Notifier;
}

/** What happened to each recipient (by user id) of one issuing round. */
export interface AwardOutcome {
  issued: Map<string, string>;
  skipped: Map<string, string>;
  failed: Map<string, string>;
}

/** Status index collisions are rare; a round that keeps colliding gives up on those recipients. */
const MAX_INSERT_ROUNDS = 6;

/** Whole seconds: `validFrom` must round-trip through the JWT `nbf`. */
const wholeSeconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000);

/**
 * Every path ends in one multi-row INSERT … ON CONFLICT DO NOTHING against the one-live-assertion
 * index, so a retried job, a repeated bulk or two concurrent bulks never issue twice.
 */
export function awardIssuer(deps: AwardDeps) {
  const { assertionRepo } = deps;

  /**
   * Issues the credential to each recipient that does not hold a live assertion of it yet (an
   * expired one is superseded by the new award). Rows a previous attempt of the same job stored
   * (same `jobId`) count as issued by this one, expired or not. `holder` (the job doing the work:
   * the single issue, or one chunk of a bulk) owns the status entries reserved for the award.
   */
  return async function award(
    target: Issuable,
    recipients: ResolvedRecipient[],
    details: AwardDetails,
    ctx: AwardContext,
  ): Promise<AwardOutcome> {
    const out: AwardOutcome = { issued: new Map(), skipped: new Map(), failed: new Map() };
    const { issuer, credential } = target;
    let pending = [...new Map(recipients.map((r) => [r.userId, r])).values()];
    const renders: string[] = [];
    // Issue 16: an expired award a new one supersedes makes the new one's event `assertion.reissued`.
    const previous = new Map<string, string>();

    const settleLive = async (userIds: string[]) => {
      const live = await assertionRepo.findLiveAssertions(ctx.org, credential.id, userIds);
      const held = new Set<string>();
      for (const l of live) {
        if (l.job_id === ctx.jobId) {
          out.issued.set(l.recipient_user_id, l.id);
          renders.push(l.id);
        } else if (!l.expired) {
          out.skipped.set(l.recipient_user_id, l.id);
        } else {
          previous.set(l.recipient_user_id, l.id);
          continue;
        }
        held.add(l.recipient_user_id);
      }
      return held;
    };

    const held = await settleLive(pending.map((r) => r.userId));
    pending = pending.filter((r) => !held.has(r.userId));
    if (pending.length) {
      const issuedOn = wholeSeconds(Date.now());
      const expiresAt = expiryOf(issuedOn, details.expires, credential.validity_days);
      if (expiresAt && !(expiresAt.getTime() > issuedOn.getTime())) {
        throw new ValidationError('The expiry date must be in the future.');
      }
      const key = await deps.issuerKeys.getSigningKey(issuer.id);
      const identity = await deps.issuerKeys.dids.identity(issuer.id);
      const evidence = details.evidence ?? [];
      const round = { details, ctx, issuedOn, expiresAt, evidence, key, identity };

      for (let n = 0; pending.length && n < MAX_INSERT_ROUNDS; n++) {
        // Entries reserved for this job alone (a retry gets back those of its earlier attempt).
        const ref = issuerRefOf(deps.urls, issuer.id, identity);
        const slots = await deps.statusLists.reserve(ctx.org, { id: issuer.id, ref }, ctx.holder, pending.length);
        const batch = pending.slice(0, slots.length);
        const rows = await buildAwardRows(deps, target, batch, slots, round);
        // Only the recipients whose live award was found expired have one to supersede (a new one
        // expires 5 s ahead at the earliest): most bulks have none, and skip the statement (issue 18).
        const expired = batch.filter((r) => previous.has(r.userId)).map((r) => r.userId);
        await assertionRepo.supersedeExpired(ctx.org, credential.id, expired);
        const stored = await insertAwardRows(deps, rows, { bulkId: ctx.bulkId, previous, notify: details.notify });
        // Rows this attempt inserted: a retry's rows of an earlier attempt were counted by it.
        if (stored.size) assertionsIssued.inc({ mode: ctx.bulkId ? 'bulk' : 'single' }, stored.size);
        const refused: ResolvedRecipient[] = [];
        rows.forEach((row, i) => {
          if (stored.has(row.id)) {
            out.issued.set(row.recipient_user_id, row.id);
            renders.push(row.id);
          } else {
            refused.push(batch[i]);
          }
        });
        // Refused: someone else issued meanwhile (skipped), or (rarely: the same job running twice)
        // the status index was taken; those go round again on entries the reservation hands out anew.
        const nowHeld = refused.length ? await settleLive(refused.map((r) => r.userId)) : new Set<string>();
        pending = [...refused.filter((r) => !nowHeld.has(r.userId)), ...pending.slice(slots.length)];
      }
      for (const r of pending) out.failed.set(r.userId, 'No free status list entry could be allocated; try again.');
    }
    // Done (a failure above leaves the reservation to the job's retry): unused entries go back.
    await deps.statusLists.release(issuer.id, ctx.holder);
    // Before the renders are queued, so a render that finishes at once finds its row to settle.
    if (ctx.bulkId) await bulkRenderRepository(deps.db).addPending(ctx.bulkId, renders);
    await enqueueRenders(deps.queues, ctx.org, ctx.requestedBy, renders, ctx.priority);
    return out;
  };
}
