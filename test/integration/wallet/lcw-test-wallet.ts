import * as vc from '@digitalcredentials/vc';
import { Ed25519Signature2020 } from '@digitalcredentials/ed25519-signature-2020';
import { Ed25519VerificationKey2020 } from '@digitalcredentials/ed25519-verification-key-2020';
import { securityLoader } from '@digitalcredentials/security-document-loader';
import { post } from './test-wallet.js';

/**
 * A wallet that signs DID auth the way the Learner Credential Wallet does
 * (github.com/digitalcredentials/learner-credential-wallet, `app/lib/exchanges.ts`:
 * `constructExchangeRequest` and `handleVcApiExchangeComplete`; the key from `app/lib/did.ts`), with
 * the same Digital Credentials Consortium libraries: an `Ed25519VerificationKey2020` of a did:key,
 * `vc.createPresentation({holder})`, `vc.signPresentation` with `Ed25519Signature2020`, the
 * challenge and domain of the request, and the DCC security document loader. These libraries carry
 * their own JSON-LD copy, so nothing they load is cached for the service's verifier.
 */
export interface LcwTestWallet {
  did: string;
  didAuth(opts: { challenge: string; domain?: string }): Promise<Record<string, unknown>>;
  /** LCW's exchange loop: POST {}, answer each DIDAuthentication request at its service endpoint. */
  exchange(url: string): Promise<{ status: number; body: any }>;
}

/** `vcVersion`: LCW's vc library makes v1 presentations (its 9.x) or v2 ones (10.x defaults to 2.0). */
export async function createLcwTestWallet(vcVersion: 1 | 2): Promise<LcwTestWallet> {
  const generated = await Ed25519VerificationKey2020.generate();
  const did = `did:key:${generated.fingerprint()}`;
  // What LCW's did-method-key (2.x) `generate()` stores as the DID's verification key.
  const key = await Ed25519VerificationKey2020.from({
    ...generated.export({ publicKey: true, privateKey: true, includeContext: true }),
    id: `${did}#${generated.fingerprint()}`,
    controller: did,
  });
  const documentLoader = securityLoader({ fetchRemoteContexts: false }).build();

  async function didAuth({ challenge, domain }: { challenge: string; domain?: string }) {
    const presentation = vc.createPresentation({ holder: did, version: vcVersion === 1 ? 1.0 : 2.0 });
    return vc.signPresentation({
      presentation,
      challenge,
      domain,
      suite: new Ed25519Signature2020({ key }),
      documentLoader,
    });
  }

  return {
    did,
    didAuth,
    async exchange(url) {
      let answer = await post(url, {});
      for (let i = 0; i < 10 && answer.status === 200 && answer.body.verifiablePresentationRequest; i++) {
        const { query, challenge, domain, interact } = answer.body.verifiablePresentationRequest;
        const queries: Array<{ type: string }> = Array.isArray(query) ? query : [query];
        if (!queries.some((q) => q.type === 'DIDAuthentication' || q.type === 'DIDAuth')) break;
        const verifiablePresentation = await didAuth({ challenge, domain });
        answer = await post(interact?.service?.[0]?.serviceEndpoint ?? url, { verifiablePresentation });
      }
      return answer;
    },
  };
}
