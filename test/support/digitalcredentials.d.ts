/** The Digital Credentials Consortium libraries the Learner Credential Wallet signs with; they ship no types. */

declare module '@digitalcredentials/vc' {
  export function createPresentation(options: { holder?: string; version?: number }): Record<string, unknown>;
  export function signPresentation(options: {
    presentation: object;
    suite: unknown;
    documentLoader: unknown;
    challenge: string;
    domain?: string;
  }): Promise<Record<string, unknown>>;
}

declare module '@digitalcredentials/ed25519-signature-2020' {
  export class Ed25519Signature2020 {
    constructor(options?: { key?: unknown });
  }
}

declare module '@digitalcredentials/ed25519-verification-key-2020' {
  export class Ed25519VerificationKey2020 {
    static generate(): Promise<Ed25519VerificationKey2020>;
    static from(options: Record<string, unknown>): Promise<Ed25519VerificationKey2020>;
    fingerprint(): string;
    export(options: { publicKey?: boolean; privateKey?: boolean; includeContext?: boolean }): Record<string, unknown>;
  }
}
