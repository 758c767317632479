import type { Db } from '../db/database.js';
import { catalogRepository, type CredentialRow, type IssuerRow } from '../db/catalog-repository.js';
import { authorizationRepository } from '../db/authorization-repository.js';
import { covers } from '../authorizations/authorization-service.js';
import { ConflictError, GoneError, NotFoundError } from '../errors.js';

/** What an award is made of: the credential and the issuer that signs it. */
export interface Issuable {
  /** The issuer that signs: the credential's own, or the issuing org's under an authorization. */
  issuer: IssuerRow;
  credential: CredentialRow;
  /** Set when another org's issuer signs under an authorization: the owner, named as the achievement's creator. */
  grantorIssuer?: IssuerRow;
}

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
