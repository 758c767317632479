/** The Digital Bazaar Data Integrity stack ships no types; these cover what this service calls. */

declare module '@digitalbazaar/vc' {
  export function issue(options: {
    credential: object;
    suite: unknown;
    documentLoader: (url: string) => Promise<unknown>;
    purpose?: unknown;
    now?: Date | string;
  }): Promise<Record<string, unknown>>;
  export function verifyCredential(options: {
    credential: object;
    suite: unknown;
    documentLoader: (url: string) => Promise<unknown>;
    checkStatus?: (options: unknown) => Promise<unknown>;
    now?: Date | string;
  }): Promise<{ verified: boolean; error?: unknown; results?: Array<{ verified: boolean; error?: unknown }> }>;
  /** Verifies a presentation's proof (authentication purpose: challenge, domain) and its credentials. */
  export function verify(options: {
    presentation: object;
    suite: unknown;
    documentLoader: (url: string) => Promise<unknown>;
    challenge?: string;
    domain?: string;
    unsignedPresentation?: boolean;
  }): Promise<{ verified: boolean; error?: unknown; results?: Array<{ verified: boolean; error?: unknown }> }>;
  export function createPresentation(options?: {
    holder?: string;
    id?: string;
    verifiableCredential?: object[];
    version?: number;
  }): Record<string, unknown>;
  export function signPresentation(options: {
    presentation: object;
    suite: unknown;
    documentLoader: (url: string) => Promise<unknown>;
    challenge: string;
    domain?: string;
  }): Promise<Record<string, unknown>>;
}

declare module '@digitalbazaar/data-integrity' {
  export class DataIntegrityProof {
    constructor(options: { signer?: unknown; cryptosuite: unknown; date?: Date | string });
    verificationMethod?: string;
    canonizeProof(
      proof: Record<string, unknown>,
      options: { document: Record<string, unknown>; documentLoader: unknown },
    ): Promise<string>;
  }
}

declare module '@digitalbazaar/eddsa-rdfc-2022-cryptosuite' {
  export const cryptosuite: { name: string; canonize: (input: unknown, options: unknown) => Promise<string> };
}

declare module '@digitalbazaar/ed25519-multikey' {
  export interface Ed25519MultikeyPair {
    id?: string;
    controller?: string;
    publicKeyMultibase: string;
    secretKeyMultibase?: string;
    /** The 32-byte public key. */
    publicKey: Uint8Array;
    /** 32-byte seed then the 32-byte public key. */
    secretKey?: Uint8Array;
    signer(): { algorithm: string; id: string; sign(options: { data: Uint8Array }): Promise<Uint8Array> };
    export(options: {
      publicKey?: boolean;
      secretKey?: boolean;
      includeContext?: boolean;
    }): Promise<Record<string, string>>;
  }
  export function generate(options?: { id?: string; controller?: string }): Promise<Ed25519MultikeyPair>;
  export function from(key: Record<string, unknown>): Promise<Ed25519MultikeyPair>;
}

declare module '@digitalbazaar/did-method-key' {
  export function driver(): {
    use(options: {
      multibaseMultikeyHeader: string;
      fromMultibase: (key: Record<string, unknown>) => Promise<unknown>;
    }): void;
    get(options: { did?: string; url?: string }): Promise<Record<string, unknown>>;
  };
}

declare module 'jsonld' {
  const jsonld: {
    expand(input: unknown, options?: Record<string, unknown>): Promise<unknown[]>;
    toRDF(input: unknown, options?: Record<string, unknown>): Promise<unknown>;
  };
  export default jsonld;
}

declare module 'rdf-canonize' {
  export function canonize(input: unknown, options: Record<string, unknown>): Promise<string>;
}

declare module '@digitalbazaar/ed25519-signature-2020' {
  /** The 2020 Linked Data suite; without a key it verifies, fetching the key through the document loader. */
  export class Ed25519Signature2020 {
    constructor(options?: { key?: unknown; signer?: unknown; date?: Date | string });
  }
}

declare module '@digitalbazaar/credentials-context' {
  /** The credentials contexts (v1, v2, undefined-terms v2) by URL. */
  export const contexts: Map<string, object>;
}

declare module 'ed25519-signature-2020-context' {
  const context: { contexts: Map<string, object>; constants: { CONTEXT_URL: string } };
  export default context;
}
