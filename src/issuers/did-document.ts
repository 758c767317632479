import type { JWK } from 'jose';
import { CONTEXT_URLS } from '../signing/document-loader.js';
import type { ProofFormat } from '../db/schema.js';

/**
 * Issuer DIDs: `did:web` derived from the public base URL (resolved at
 * `/issuers/<entity_id>/did.json`), or `did:key` of the issuer's Ed25519 key.
 */
export type DidMethod = 'web' | 'key';
export const DID_METHODS = ['web', 'key'] as const satisfies readonly DidMethod[];

/** The proofs an issuer's credentials can carry (issue 14); both by default. */
export const PROOF_FORMATS = ['data-integrity', 'vc-jwt'] as const satisfies readonly ProofFormat[];

/** `did:web:<host>[%3A<port>][:<path>]:issuers:<entity_id>` (did:web §3.2: the port colon is encoded). */
export function didWebFor(publicBaseUrl: string, issuerId: string): string {
  const url = new URL(publicBaseUrl);
  const host = url.port ? `${url.hostname}%3A${url.port}` : url.hostname;
  const path = url.pathname
    .split('/')
    .filter(Boolean)
    .map((p) => encodeURIComponent(p));
  return ['did:web', host, ...path, 'issuers', issuerId].join(':');
}

/** The path under the public base URL where did:web resolution fetches the document. */
export const didWebDocumentPath = (issuerId: string) => `/issuers/${issuerId}/did.json`;

/** The HTTPS URL did:web resolution fetches for a DID (did:web §3.2 Read). */
export function didWebUrl(did: string): string {
  if (!did.startsWith('did:web:')) throw new Error(`Not a did:web DID: ${did}`);
  const parts = did.slice('did:web:'.length).split(':').map(decodeURIComponent);
  const [host, ...path] = parts;
  return `https://${host}/${path.length ? path.join('/') : '.well-known'}/did.json`;
}

export const didKeyFor = (publicKeyMultibase: string) => `did:key:${publicKeyMultibase}`;

/** The verification method id of the Ed25519 key: did:key uses the key itself as fragment. */
function multikeyIdFor(did: string, publicKeyMultibase: string): string {
  return did.startsWith('did:key:') ? `${did}#${publicKeyMultibase}` : `${did}#key-1`;
}

/**
 * The Ed25519 key as the verification method of `did` that signs: the same key serves under
 * either method, so a key already under one DID may be put under another (its id and controller
 * replaced).
 */
export function keyUnderDid<K extends { publicKeyMultibase: string }>(
  did: string,
  key: K,
): K & { id: string; controller: string } {
  return { ...key, id: multikeyIdFor(did, key.publicKeyMultibase), controller: did };
}

export interface DidDocumentInput {
  did: string;
  publicKeyMultibase: string;
  /** Published JWKs of the issuer's VC-JWT keys (active and retired), each with its `kid`. */
  jwks?: JWK[];
  /** The issuer's Profile URL, kept for OB 2.0 and the verification page. */
  profileUrl?: string;
}

export function buildDidDocument(input: DidDocumentInput): Record<string, unknown> {
  const { did } = input;
  const multikeyId = multikeyIdFor(did, input.publicKeyMultibase);
  const jwkMethods = (input.jwks ?? []).map((jwk, i) => ({
    id: `${did}#jwk-${i + 1}`,
    type: 'JsonWebKey',
    controller: did,
    publicKeyJwk: Object.fromEntries(
      Object.entries(jwk).filter(([k]) => !['d', 'p', 'q', 'dp', 'dq', 'qi'].includes(k)),
    ),
  }));
  return {
    '@context': [CONTEXT_URLS.didV1, CONTEXT_URLS.multikeyV1, 'https://w3id.org/security/jwk/v1'],
    id: did,
    ...(input.profileUrl && { alsoKnownAs: [input.profileUrl] }),
    verificationMethod: [
      { id: multikeyId, type: 'Multikey', controller: did, publicKeyMultibase: input.publicKeyMultibase },
      ...jwkMethods,
    ],
    assertionMethod: [multikeyId, ...jwkMethods.map((m) => m.id)],
    authentication: [multikeyId],
    ...(input.profileUrl && {
      service: [{ id: `${did}#profile`, type: 'IssuerProfile', serviceEndpoint: input.profileUrl }],
    }),
  };
}
