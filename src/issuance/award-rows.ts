import type { NewAssertion } from '../db/assertion-repository.js';
import { newEntityId } from '../ids.js';
import type { IssuerIdentity } from '../issuers/issuer-dids.js';
import type { ActiveSigningKey, IssuerKeyService } from '../issuers/issuer-keys.js';
import { randomSalt } from '../openbadges/recipient-hash.js';
import type { PublicUrls } from '../public-urls.js';
import { proveAwards } from './award-proofs.js';
import type { DataIntegrityPool } from '../signing/data-integrity-pool.js';
import { buildAwardCredential } from './credential-document.js';
import type { Issuable } from './issuable.js';
import type { AwardDetails, ResolvedRecipient } from './issuance-jobs.js';
import type { StatusSlot } from './status-lists.js';

/** The job an award is made by: who asked, which job (and bulk) stores the rows, who holds the status entries. */
export interface AwardContext {
  org: string;
  requestedBy: string;
  jobId: string;
  holder: string;
  priority: number;
  bulkId?: string;
}

/** What every row of one insert round shares: the award's dates, evidence and signing material. */
export interface AwardRound {
  details: AwardDetails;
  ctx: AwardContext;
  issuedOn: Date;
  expiresAt: Date | null;
  evidence: NonNullable<AwardDetails['evidence']>;
  key: ActiveSigningKey;
  identity: IssuerIdentity | undefined;
}

/** One signed assertion row per recipient, each on the status entry reserved for it (`slots[n]`). */
export async function buildAwardRows(
  deps: { urls: PublicUrls; issuerKeys: IssuerKeyService; signingPool: DataIntegrityPool },
  target: Issuable,
  batch: ResolvedRecipient[],
  slots: StatusSlot[],
  round: AwardRound,
): Promise<NewAssertion[]> {
  const { issuer, credential } = target;
  const { details, ctx, issuedOn, expiresAt, evidence, key, identity } = round;
  const drafts = batch.map((r, n) => {
    const id = newEntityId();
    const salt = randomSalt();
    const vc = buildAwardCredential(deps.urls, issuer, credential, {
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
    return { id, salt, vc };
  });
  const jwtKey = { privateJwk: key.privateJwk, alg: key.alg, kid: key.kid };
  const proofs = await proveAwards(
    drafts.map((d) => d.vc),
    jwtKey,
    identity,
    deps.issuerKeys.dids.loader,
    deps.signingPool,
    issuedOn,
  );
  return batch.map((r, n): NewAssertion => {
    const { id, salt } = drafts[n];
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
      credential_json: JSON.stringify(proofs[n].credential),
      credential_jwt: proofs[n].jwt,
    };
  });
}
