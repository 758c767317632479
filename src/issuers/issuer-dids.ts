import type { JWK } from 'jose';
import type { Db } from '../db/database.js';
import type { ProofFormat } from '../db/schema.js';
import { NotFoundError } from '../errors.js';
import type { PublicUrls } from '../public-urls.js';
import { generateDataIntegrityKey, type DataIntegrityKey } from '../signing/data-integrity.js';
import { documentLoader, type DocumentLoader } from '../signing/document-loader.js';
import { decryptPrivateJwk, encryptPrivateJwk } from '../signing/key-encryption.js';
import { buildDidDocument, didKeyFor, didWebFor, multikeyIdFor, type DidMethod } from './did-document.js';

/**
 * Issuer identities for Data Integrity proofs: the issuer's DID and Ed25519 key. The key is made
 * on first use (existing issuers need no backfill) and sealed at rest like the JWT keys.
 */
export interface IssuerIdentity {
  did: string;
  method: DidMethod;
  key: DataIntegrityKey;
  proofFormats: ProofFormat[];
}

const SEAL_CONTEXT = (issuerId: string) => `did-key:${issuerId}`;

export function issuerDidService(
  db: Db,
  masterKey: string,
  urls: PublicUrls,
  publishedJwks: (issuerId: string) => Promise<JWK[]>,
) {
  const cache = new Map<string, IssuerIdentity>();

  async function keyRow(issuerId: string): Promise<{ public_multibase: string; secret_enc: string }> {
    const found = await db
      .selectFrom('issuer_did_keys')
      .select(['public_multibase', 'secret_enc'])
      .where('issuer_id', '=', issuerId)
      .executeTakeFirst();
    if (found) return found;
    const k = await generateDataIntegrityKey();
    const sealed = encryptPrivateJwk(
      { secretKeyMultibase: k.secretKeyMultibase } as JWK,
      masterKey,
      SEAL_CONTEXT(issuerId),
    );
    // Two processes may race to create it: the first insert wins and both read it back.
    await db
      .insertInto('issuer_did_keys')
      .values({ issuer_id: issuerId, public_multibase: k.publicKeyMultibase, secret_enc: sealed })
      .onConflict((oc) => oc.column('issuer_id').doNothing())
      .execute();
    return db
      .selectFrom('issuer_did_keys')
      .select(['public_multibase', 'secret_enc'])
      .where('issuer_id', '=', issuerId)
      .executeTakeFirstOrThrow();
  }

  async function identity(issuerId: string): Promise<IssuerIdentity> {
    const cached = cache.get(issuerId);
    if (cached) return cached;
    const issuer = await db
      .selectFrom('issuers')
      .select(['id', 'did_method', 'proof_formats'])
      .where('id', '=', issuerId)
      .executeTakeFirst();
    if (!issuer) throw new NotFoundError(`Issuer "${issuerId}" does not exist.`);
    const row = await keyRow(issuerId);
    const did = issuer.did_method === 'key' ? didKeyFor(row.public_multibase) : didWebFor(urls.base, issuerId);
    const secret = decryptPrivateJwk(row.secret_enc, masterKey, SEAL_CONTEXT(issuerId)) as {
      secretKeyMultibase: string;
    };
    const out: IssuerIdentity = {
      did,
      method: issuer.did_method,
      proofFormats: issuer.proof_formats,
      key: {
        id: multikeyIdFor(did, row.public_multibase),
        controller: did,
        publicKeyMultibase: row.public_multibase,
        secretKeyMultibase: secret.secretKeyMultibase,
      },
    };
    cache.set(issuerId, out);
    return out;
  }

  /** The did:web document of an issuer, or undefined when the issuer does not use did:web. */
  async function didDocument(issuerId: string): Promise<Record<string, unknown> | undefined> {
    const exists = await db.selectFrom('issuers').select('id').where('id', '=', issuerId).executeTakeFirst();
    if (!exists) return undefined;
    const id = await identity(issuerId);
    if (id.method !== 'web') return undefined;
    return buildDidDocument({
      did: id.did,
      publicKeyMultibase: id.key.publicKeyMultibase,
      jwks: await publishedJwks(issuerId),
      profileUrl: urls.issuerProfile(issuerId),
    });
  }

  /** did:web DIDs of this service resolve from the database; any other host resolves to nothing. */
  async function resolveDidWeb(did: string): Promise<Record<string, unknown> | undefined> {
    const issuerId = did.split(':').at(-1) ?? '';
    if (!issuerId || didWebFor(urls.base, issuerId) !== did) return undefined;
    return didDocument(issuerId);
  }

  const loader: DocumentLoader = documentLoader({ didWeb: resolveDidWeb });

  return {
    identity,
    didDocument,
    resolveDidWeb,
    /** Contexts from the repository, did:key, and this service's did:web issuers: never the network. */
    loader,
    /** Forget cached identities (after an operator changes an issuer's DID method or proof formats). */
    forget: (issuerId: string) => cache.delete(issuerId),
  };
}

export type IssuerDidService = ReturnType<typeof issuerDidService>;
