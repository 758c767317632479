import type { Db } from '../db/database.js';
import { catalogRepository, type CredentialRow, type IssuerRow } from '../db/catalog-repository.js';
import { authorizationRepository } from '../db/authorization-repository.js';
import { covers } from '../authorizations/authorization-service.js';
import { assertionRepository, type NewAssertion, type AssertionRepository } from '../db/assertion-repository.js';
import type { IdempotencyRepository } from '../db/idempotency-repository.js';
import { ConflictError, GoneError, isRefusal, NotFoundError, ValidationError } from '../errors.js';
import { newEntityId } from '../ids.js';
import type { IssuerKeyService } from '../issuers/issuer-keys.js';
import type { Logger } from '../logger.js';
import { randomSalt } from '../openbadges/recipient-hash.js';
import type { PublicUrls } from '../public-urls.js';
import type { QueueSet } from '../queue/queue-set.js';
import { jobError } from '../queue/job-error.js';
import { RENDER_PRIORITY } from '../rendering/render-jobs.js';
import type { AwardDetails, BulkChunkJob, BulkResult, IssueJob, ResolvedRecipient } from './issuance-jobs.js';
import { proveAward } from './award-proofs.js';
import { buildAwardCredential, expiryOf } from './credential-document.js';
import { resolveRecipients } from './recipients.js';
import type { StatusListService } from './status-lists.js';
import { EMPTY_RECORDED, type Notifier } from '../events/notifier.js';
import { issuedEvent } from '../events/assertion-events.js';

/**
 * Signing and storing assertions: the work of the issuance jobs (single and bulk chunks). Every
 * path ends in one multi-row INSERT … ON CONFLICT DO NOTHING against the one-live-assertion
 * index, so a retried job, a repeated bulk or two concurrent bulks never issue twice.
 */
export interface IssuanceDeps {
  db: Db;
  assertionRepo: AssertionRepository;
  idempotencyRepo: IdempotencyRepository;
  urls: PublicUrls;
  issuerKeys: IssuerKeyService;
  statusLists: StatusListService;
  queues: QueueSet;
  logger: Logger;
  /** Issue 16: records `assertion.issued`/`reissued` in the insert's transaction. */
  notifier?: Notifier;
}

export interface Issuable {
  /** The issuer that signs: the credential's own, or the issuing org's under an authorization. */
  issuer: IssuerRow;
  credential: CredentialRow;
  /** Set when another org's issuer signs under an authorization: the owner, named as the achievement's creator. */
  grantorIssuer?: IssuerRow;
}

/** What happened to each recipient (by user id) of one issuing round. */
export interface AwardOutcome {
  issued: Map<string, string>;
  skipped: Map<string, string>;
  failed: Map<string, string>;
}

/** Status index collisions are rare; a round that keeps colliding gives up on those recipients. */
const MAX_INSERT_ROUNDS = 6;

/**
 * The credential can be issued by `org`: it is `org`'s own, or another org (the grantor) has
 * authorized `org` to issue it. Either way it is not deleted and its issuer is not retired. Under
 * an authorization the signing issuer follows `display_issuer_as`: the grantor's issuer, or the
 * issuing org's own with the grantor named as the achievement's creator.
 */
export async function loadIssuable(db: Db, org: string, credentialId: string): Promise<Issuable> {
  const catalog = catalogRepository(db);
  const own = await catalog.getCredential(org, credentialId);
  const credential = own ?? (await catalog.getCredentialById(credentialId));
  if (!credential) throw new NotFoundError(`Credential "${credentialId}" does not exist.`);
  if (credential.deleted_at) {
    if (credential.org !== org) throw new NotFoundError(`Credential "${credentialId}" does not exist.`);
    throw new GoneError(`Credential "${credentialId}" was deleted; it can no longer be issued.`);
  }
  // Authorization first: an org without one learns nothing of another org's credential, not even
  // that it exists (a 403 here, beside the 404 for an unknown id, was an existence oracle).
  const authorization = own ? undefined : await authorizationRepository(db).findAuthorization(credential.org, org);
  if (!own && (!authorization || !covers(authorization, credential.id))) {
    throw new NotFoundError(`Credential "${credentialId}" does not exist.`);
  }
  const issuer = await catalog.getIssuerById(credential.issuer_id);
  if (!issuer || issuer.retired_at) {
    throw new ConflictError(
      `The issuer of credential "${credentialId}" is retired; the credential can no longer be issued.`,
    );
  }
  if (own || !authorization) return { issuer, credential };

  if (authorization.display_issuer_as === 'grantor') return { issuer, credential };
  const ownIssuer = await catalog.getIssuer(org, org);
  if (!ownIssuer) throw new ConflictError(`Org "${org}" has no issuer; create one to issue as itself.`);
  return { issuer: ownIssuer, credential, grantorIssuer: issuer };
}

/** Whole seconds: `validFrom` must round-trip through the JWT `nbf`. */
const wholeSeconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000);

export function issuanceService(deps: IssuanceDeps) {
  const { db, urls, assertionRepo, idempotencyRepo } = deps;

  async function enqueueRenders(
    org: string,
    requestedBy: string,
    assertionIds: string[],
    priority: number,
  ): Promise<void> {
    if (assertionIds.length === 0) return;
    // The job id makes a retried issuing job's second enqueue a no-op.
    await deps.queues.render.addBulk(
      assertionIds.map((assertionId) => ({
        name: 'render' as const,
        data: { org, requestedBy, assertionId },
        opts: { priority, jobId: `render-${assertionId}` },
      })),
    );
  }

  /**
   * Issues the credential to each recipient that does not hold a live assertion of it yet (an
   * expired one is superseded by the new award). Rows a previous attempt of the same job stored
   * (same `jobId`) count as issued by this one, expired or not. `holder` (the job doing the work:
   * the single issue, or one chunk of a bulk) owns the status entries reserved for the award.
   */
  async function award(
    target: Issuable,
    recipients: ResolvedRecipient[],
    details: AwardDetails,
    ctx: { org: string; requestedBy: string; jobId: string; holder: string; priority: number; bulkId?: string },
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

      for (let round = 0; pending.length && round < MAX_INSERT_ROUNDS; round++) {
        // Entries reserved for this job alone (a retry gets back those of its earlier attempt).
        const slots = await deps.statusLists.reserve(ctx.org, issuer.id, ctx.holder, pending.length);
        const batch = pending.slice(0, slots.length);
        const rows: NewAssertion[] = await Promise.all(
          batch.map(async (r, n): Promise<NewAssertion> => {
            const id = newEntityId();
            const salt = randomSalt();
            const vc = buildAwardCredential(urls, issuer, credential, {
              grantorIssuer: target.grantorIssuer,
              assertionId: id,
              issuedOn,
              expiresAt,
              recipient: { userId: r.userId, email: r.email },
              salt,
              evidence,
              narrative: details.narrative,
              status: { listUrl: slots[n].listUrl, index: slots[n].index },
            });
            const jwtKey = { privateJwk: key.privateJwk, alg: key.alg, kid: key.kid };
            const proofs = await proveAward(vc, jwtKey, identity, deps.issuerKeys.dids.loader, issuedOn);
            return {
              id,
              org: ctx.org,
              credential_id: credential.id,
              issuer_id: issuer.id,
              recipient_user_id: r.userId,
              recipient_email: r.email ?? null,
              recipient_name: r.name ?? null,
              salt,
              issued_on: issuedOn,
              expires_at: expiresAt,
              narrative: details.narrative ?? null,
              evidence: JSON.stringify(evidence),
              // The award's course, else its credential's: course filters and analytics read this column.
              course: details.course ?? credential.course ?? null,
              fields: JSON.stringify({ ...details.fields, ...r.fields }),
              created_by: ctx.requestedBy,
              job_id: ctx.jobId,
              status_list_id: slots[n].listId,
              status_list_index: slots[n].index,
              signing_key_id: key.keyId,
              credential_json: JSON.stringify(proofs.credential),
              credential_jwt: proofs.jwt,
            };
          }),
        );
        await assertionRepo.supersedeExpired(
          ctx.org,
          credential.id,
          batch.map((r) => r.userId),
        );
        // Issue 16: the events (and the deliveries and emails they cause) commit with the rows.
        const notifier = deps.notifier;
        const { stored, recorded } = notifier
          ? await db.transaction().execute(async (trx) => {
              const ids = await assertionRepository(trx).insertAssertions(rows);
              const events = rows
                .filter((row) => ids.has(row.id))
                .map((row) =>
                  issuedEvent(urls, row, {
                    bulkId: ctx.bulkId,
                    previousId: previous.get(row.recipient_user_id),
                    notify: details.notify,
                  }),
                );
              return { stored: ids, recorded: await notifier.record(trx, events) };
            })
          : { stored: await assertionRepo.insertAssertions(rows), recorded: EMPTY_RECORDED };
        await notifier?.publish(recorded);
        const refused: ResolvedRecipient[] = [];
        rows.forEach((row, n) => {
          if (stored.has(row.id)) {
            out.issued.set(row.recipient_user_id, row.id);
            renders.push(row.id);
          } else {
            refused.push(batch[n]);
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
    await enqueueRenders(ctx.org, ctx.requestedBy, renders, ctx.priority);
    return out;
  }

  return {
    award,

    /** The `issue` job: one recipient, resolved by the API. */
    async issueOne(data: IssueJob['data'], jobId: string): Promise<IssueJob['result']> {
      let target: Issuable;
      try {
        target = await loadIssuable(db, data.org, data.credentialId);
      } catch (err) {
        if (isRefusal(err)) return jobError(err);
        throw err;
      }
      let outcome: AwardOutcome;
      try {
        outcome = await award(target, [data.recipient], data.award, {
          org: data.org,
          requestedBy: data.requestedBy,
          jobId,
          holder: jobId,
          priority: RENDER_PRIORITY.single,
        });
      } catch (err) {
        if (err instanceof ValidationError) return jobError(err);
        throw err;
      }
      const userId = data.recipient.userId;
      const issued = outcome.issued.get(userId);
      const existing = outcome.skipped.get(userId);
      const assertionId = issued ?? existing;
      if (!assertionId)
        return {
          error: {
            code: 'ERR_UNAVAILABLE',
            message: outcome.failed.get(userId) ?? 'The assertion could not be issued.',
          },
        };
      if (data.idempotencyKey) await idempotencyRepo.setIdempotentAssertion(data.org, data.idempotencyKey, assertionId);
      return { assertionId, created: issued !== undefined };
    },

    /** A `bulk-chunk` job: resolve its entries, issue, and name each outcome by the entry's label. */
    async issueChunk(data: BulkChunkJob['data'], chunkJobId: string): Promise<BulkResult> {
      const result: BulkResult = { issued: [], skipped: [], failed: [] };
      let target: Issuable;
      try {
        target = await loadIssuable(db, data.org, data.credentialId);
      } catch (err) {
        if (isRefusal(err)) {
          result.failed = data.entries.map((e) => ({ user: e.label, reason: err.message }));
          return result;
        }
        throw err;
      }
      const { resolved, failed } = await resolveRecipients(db, data.org, data.entries);
      result.failed.push(...failed);
      let outcome: AwardOutcome;
      try {
        outcome = await award(
          target,
          resolved.map((r) => r.recipient),
          data.award,
          {
            org: data.org,
            requestedBy: data.requestedBy,
            jobId: data.bulkId,
            holder: chunkJobId,
            priority: RENDER_PRIORITY.bulk,
            bulkId: data.bulkId,
          },
        );
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        result.failed.push(...resolved.map((r) => ({ user: r.label, reason: err.message })));
        return result;
      }
      // Two entries naming the same person (a username and that user's email): the second is a duplicate.
      const reported = new Set<string>();
      for (const { label, recipient } of resolved) {
        const userId = recipient.userId;
        if (reported.has(userId)) {
          result.skipped.push(label);
          continue;
        }
        reported.add(userId);
        if (outcome.issued.has(userId)) result.issued.push(label);
        else if (outcome.skipped.has(userId)) result.skipped.push(label);
        else result.failed.push({ user: label, reason: outcome.failed.get(userId) ?? 'Not issued.' });
      }
      return result;
    },
  };
}

export type IssuanceService = ReturnType<typeof issuanceService>;
