import type { Selectable } from 'kysely';
import type { Db } from './database.js';
import type { CredentialsTable, ImagesTable, IssuersTable, SignatoriesTable } from './schema.js';
import { issuerQueries } from './catalog-issuer-queries.js';
import { credentialQueries } from './catalog-credential-queries.js';
import { credentialListQueries } from './catalog-credential-list-queries.js';
import { signatoryQueries } from './catalog-signatory-queries.js';
import { imageQueries } from './catalog-image-queries.js';

export type { IssuerValues } from './catalog-issuer-queries.js';
export type { CredentialValues } from './catalog-credential-queries.js';
export type { CredentialFilter } from './catalog-credential-list-queries.js';

/**
 * The catalog table group: issuers, credentials (badge classes), signatories and images.
 *
 * The issuance and rendering code read the catalog through this repository without building a
 * service. Its read methods (getIssuer, getIssuerById, getCredential, getCredentialById,
 * listSignatories) are a stable contract for other modules: do not change their signatures.
 *
 * Retired issuers and deleted credentials stay in their tables (issued assertions must keep
 * verifying): the org-scoped getters hide them, the unscoped `…ById` getters do not.
 */
export type IssuerRow = Selectable<IssuersTable>;
export type CredentialRow = Selectable<CredentialsTable>;
export type SignatoryRow = Selectable<SignatoriesTable>;
export type ImageRow = Selectable<ImagesTable>;

export interface Signatory {
  name: string;
  title: string;
  /** URL of the signature image. */
  signature: string;
}

export function catalogRepository(db: Db) {
  return {
    ...issuerQueries(db),
    ...credentialQueries(db),
    ...credentialListQueries(db),
    ...signatoryQueries(db),
    ...imageQueries(db),
  };
}

export type CatalogRepository = ReturnType<typeof catalogRepository>;
