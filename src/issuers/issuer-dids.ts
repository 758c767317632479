import type { JWK } from 'jose';
import type { Db } from '../db/database.js';
import type { ProofFormat } from '../db/schema.js';
import { NotFoundError } from '../errors.js';
import type { PublicUrls } from '../public-urls.js';
import { generateDataIntegrityKey, type DataIntegrityKey } from '../signing/data-integrity.js';
import { documentLoader, type DocumentLoader } from '../signing/document-loader.js';
import { decryptPrivateJwk, encryptPrivateJwk } from '../signing/key-encryption.js';
import { buildDidDocument, didKeyFor, didWebFor, keyUnderDid, type DidMethod } from './did-document.js';
import { LruCache } from '../lru-cache.js';
import { microCache } from '../cache/micro-cache.js';

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

interface IssuerKeyMaterial {
  publicKeyMultibase: string;
  secretKeyMultibase: string;
}

const SEAL_CONTEXT = (issuerId: string) => `did-key:${issuerId}`;

/**
 * How long the document loader reuses an issuer's did:web document. Its Ed25519 method (what a
 * Data Integrity proof names) never changes; only its JWK list grows on a key rotation, which
 * drops the copy in the rotating process at once and in the others within this age.
 */
const LOADER_DID_DOCUMENT_TTL_MS = 60_000;

export function issuerDidService(
  db: Db,
  masterKey: string,
  urls: PublicUrls,
  publishedJwks: (issuerId: string) => Promise<JWK[]>,
) {
  // An issuer's Ed25519 key never changes once made (the row is written once): safe to keep in
  // any process. Its DID method and proof formats may change at any time, in any process, so
  // they are read anew for every identity (once per issuing round, not per award).
  const keys = new LruCache<string, Promise<IssuerKeyMaterial>>(1000);
  // DID documents need the public half only: resolving one (every Data Integrity verification)
  // never decrypts a private key, so a replica without the master key still verifies.
  const publicKeys = new LruCache<string, Promise<string>>(1000);
  // Every Data Integrity verification resolves its issuer's did:web document (twice: the method,
  // then its controller), which is three reads of the database; issuers are never deleted. An
  // unknown issuer may be created later, and a failed read is not an answer: neither is kept.
  const loaderDocuments = microCache<Record<string, unknown> | undefined>({
    ttlMs: LOADER_DID_DOCUMENT_TTL_MS,
    maxEntries: 1000,
    keep: (doc) => doc !== undefined,
  });

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

  function keyMaterial(issuerId: string): Promise<IssuerKeyMaterial> {
    return keys.getOrLoad(issuerId, () =>
      keyRow(issuerId).then((row) => ({
        publicKeyMultibase: row.public_multibase,
        secretKeyMultibase: (
          decryptPrivateJwk(row.secret_enc, masterKey, SEAL_CONTEXT(issuerId)) as { secretKeyMultibase: string }
        ).secretKeyMultibase,
      })),
    );
  }

  function publicKeyOf(issuerId: string): Promise<string> {
    return publicKeys.getOrLoad(issuerId, () => keyRow(issuerId).then((row) => row.public_multibase));
  }

  const identityOf = (issuerId: string, method: DidMethod, proofFormats: ProofFormat[], k: IssuerKeyMaterial) => {
    const did = method === 'key' ? didKeyFor(k.publicKeyMultibase) : didWebFor(urls.base, issuerId);
    return { did, method, proofFormats, key: keyUnderDid(did, k) };
  };

  async function identity(issuerId: string): Promise<IssuerIdentity> {
    const issuer = await db
      .selectFrom('issuers')
      .select(['id', 'did_method', 'proof_formats'])
      .where('id', '=', issuerId)
      .executeTakeFirst();
    if (!issuer) throw new NotFoundError(`Issuer "${issuerId}" does not exist.`);
    return identityOf(issuerId, issuer.did_method, issuer.proof_formats, await keyMaterial(issuerId));
  }

  /**
   * The did:web document of an issuer. Served whatever its current method: credentials issued
   * under its did:web before it moved to did:key must keep resolving (the key is the same).
   */
  async function didDocument(issuerId: string): Promise<Record<string, unknown> | undefined> {
    const exists = await db.selectFrom('issuers').select('id').where('id', '=', issuerId).executeTakeFirst();
    if (!exists) return undefined;
    return buildDidDocument({
      did: didWebFor(urls.base, issuerId),
      publicKeyMultibase: await publicKeyOf(issuerId),
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

  /** resolveDidWeb, reused for LOADER_DID_DOCUMENT_TTL_MS; handed out as a copy (the libraries may annotate it). */
  async function resolveDidWebForLoader(did: string): Promise<Record<string, unknown> | undefined> {
    const doc = await loaderDocuments.get(did, () => resolveDidWeb(did));
    return doc && structuredClone(doc);
  }

  const loader: DocumentLoader = documentLoader({ didWeb: resolveDidWebForLoader });

  return {
    identity,
    didDocument,
    resolveDidWeb,
    /** Drops the loader's copy of an issuer's DID document (its key list changed here). */
    forget(issuerId: string): void {
      loaderDocuments.invalidate(didWebFor(urls.base, issuerId));
    },
    /** Contexts from the repository, did:key, and this service's did:web issuers: never the network. */
    loader,
  };
}

export type IssuerDidService = ReturnType<typeof issuerDidService>;
