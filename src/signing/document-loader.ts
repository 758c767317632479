import { readFileSync } from 'node:fs';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as didKey from '@digitalbazaar/did-method-key';
import { contexts as credentialsContexts } from '@digitalbazaar/credentials-context';
import ed25519Signature2020Context from 'ed25519-signature-2020-context';
import { LruCache } from '../lru-cache.js';

/**
 * The JSON-LD document loader for signing and verifying Data Integrity proofs. Contexts come only
 * from copies in this repository (never the network: a context fetched at sign time could change
 * what a signature means), DIDs only from the resolvers handed in.
 */

export const CONTEXT_URLS = {
  credentialsV2: 'https://www.w3.org/ns/credentials/v2',
  ob303: 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
  obExtensions: 'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json',
  dataIntegrityV2: 'https://w3id.org/security/data-integrity/v2',
  multikeyV1: 'https://w3id.org/security/multikey/v1',
  didV1: 'https://www.w3.org/ns/did/v1',
  /** Wallets that sign DID auth with `Ed25519Signature2020` (the Learner Credential Wallet) use these two. */
  credentialsV1: 'https://www.w3.org/2018/credentials/v1',
  ed25519Signature2020V1: 'https://w3id.org/security/suites/ed25519-2020/v1',
} as const;

const CONTEXT_FILES: Record<string, string> = {
  // The copies the schema validation already ships (vendored with their hashes).
  [CONTEXT_URLS.credentialsV2]: '../../openbadges/schemas/contexts/credentials-v2.jsonld',
  [CONTEXT_URLS.ob303]: '../../openbadges/schemas/contexts/context-3.0.3.json',
  [CONTEXT_URLS.obExtensions]: '../../openbadges/schemas/contexts/ob-v3p0-extensions.json',
  [CONTEXT_URLS.dataIntegrityV2]: 'data-integrity-v2.json',
  [CONTEXT_URLS.multikeyV1]: 'multikey-v1.json',
  [CONTEXT_URLS.didV1]: 'did-v1.json',
};

/** Contexts taken from their publishers' npm packages (pinned in package-lock.json), not vendored. */
const PACKAGED_CONTEXTS: Record<string, object | undefined> = {
  [CONTEXT_URLS.credentialsV1]: credentialsContexts.get(CONTEXT_URLS.credentialsV1),
  [CONTEXT_URLS.ed25519Signature2020V1]: ed25519Signature2020Context.contexts.get(CONTEXT_URLS.ed25519Signature2020V1),
};

const contexts = new Map<string, object>([
  ...Object.entries(CONTEXT_FILES).map(([url, file]): [string, object] => [
    url,
    Object.freeze(JSON.parse(readFileSync(new URL(`./contexts/${file}`, import.meta.url), 'utf8')) as object),
  ]),
  ...Object.entries(PACKAGED_CONTEXTS).map(([url, context]): [string, object] => {
    if (!context) throw new Error(`The context "${url}" is missing from its package.`);
    return [url, Object.freeze(context)];
  }),
]);

/** A bundled context by URL, or undefined. */
export const bundledContext = (url: string): object | undefined => contexts.get(url);

export interface RemoteDocument {
  contextUrl: null;
  documentUrl: string;
  document: unknown;
}
export type DocumentLoader = (url: string) => Promise<RemoteDocument>;

/** Resolves a `did:web` DID (no fragment) to its DID document, or undefined when unknown. */
export type DidWebResolver = (did: string) => Promise<Record<string, unknown> | undefined>;

export class DocumentLoadError extends Error {
  constructor(
    readonly url: string,
    message: string,
  ) {
    super(message);
    this.name = 'DocumentLoadError';
  }
}

const didKeyDriver = didKey.driver();
didKeyDriver.use({ multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from });

/** The node of `id` in a DID document (a verification method), with the document's context. */
function nodeOf(didDocument: Record<string, unknown>, id: string): Record<string, unknown> | undefined {
  const methods = didDocument.verificationMethod;
  if (!Array.isArray(methods)) return undefined;
  const node = (methods as Array<Record<string, unknown>>).find(
    (m) => m.id === id || m.id === id.slice(id.indexOf('#')),
  );
  if (!node) return undefined;
  return { '@context': didDocument['@context'], ...node, id };
}

/**
 * A did:key document is a function of the DID alone: resolved once per URL, handed out as a copy
 * (the libraries may annotate what they load).
 */
const didKeyDocuments = new LruCache<string, Promise<unknown>>(1000);

function resolveDidKey(url: string): Promise<unknown> {
  return didKeyDocuments.getOrLoad(url, () => didKeyDriver.get({ url })).then((d) => structuredClone(d));
}

async function resolveDid(url: string, didWeb: DidWebResolver | undefined): Promise<unknown> {
  const [did] = url.split('#');
  if (did.startsWith('did:key:')) return resolveDidKey(url);
  if (!did.startsWith('did:web:')) throw new DocumentLoadError(url, `Unsupported DID method in "${url}".`);
  if (!didWeb) throw new DocumentLoadError(url, `did:web is not resolvable here ("${url}").`);
  const doc = await didWeb(did);
  if (!doc) throw new DocumentLoadError(url, `The DID "${did}" did not resolve.`);
  if (doc.id !== did) throw new DocumentLoadError(url, `The DID document of "${did}" names another DID.`);
  if (!url.includes('#')) return doc;
  const node = nodeOf(doc, url);
  if (!node) throw new DocumentLoadError(url, `The key "${url}" is not in the DID document of "${did}".`);
  return node;
}

export function documentLoader(options: { didWeb?: DidWebResolver } = {}): DocumentLoader {
  return async (url: string) => {
    const context = contexts.get(url);
    const document = context ?? (url.startsWith('did:') ? await resolveDid(url, options.didWeb) : undefined);
    if (document === undefined) throw new DocumentLoadError(url, `Document "${url}" is not available offline.`);
    return { contextUrl: null, documentUrl: url, document };
  };
}
