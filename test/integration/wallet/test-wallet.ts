import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { securityLoader } from '@digitalcredentials/security-document-loader';

/**
 * A wallet made of third-party parts only (no code of this service): an Ed25519 Multikey, its
 * did:key, Digital Bazaar's vc library to sign DID-auth presentations, and the Digital
 * Credentials Consortium's document loader (the one the Learner Credential Wallet uses).
 */
export interface TestWallet {
  did: string;
  /** A DID-auth presentation: holder `holder` (default: this wallet's DID), signed by this wallet's key. */
  didAuth(opts: { challenge: string; domain?: string; holder?: string }): Promise<Record<string, unknown>>;
  /** Runs a VC API exchange: POST {}, answer the DID-auth request, return the final answer. */
  exchange(url: string): Promise<{ status: number; body: any }>;
}

const loader = securityLoader({ fetchRemoteContexts: false }).build();

export async function post(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed };
}

/** `keyDid`: sign as another DID's key id (did:web tests); default the wallet's did:key. */
export async function createTestWallet(keyDid?: (publicKeyMultibase: string) => string): Promise<TestWallet> {
  const generated = await Ed25519Multikey.generate();
  const did = keyDid ? keyDid(generated.publicKeyMultibase) : `did:key:${generated.publicKeyMultibase}`;
  const fragment = did.startsWith('did:key:') ? generated.publicKeyMultibase : 'key-1';
  const key = await Ed25519Multikey.from({
    ...(await generated.export({ publicKey: true, secretKey: true, includeContext: true })),
    id: `${did}#${fragment}`,
    controller: did,
  });

  async function didAuth(opts: { challenge: string; domain?: string; holder?: string }) {
    const presentation = vc.createPresentation({ holder: opts.holder ?? did });
    const suite = new DataIntegrityProof({ signer: key.signer(), cryptosuite: eddsaRdfc2022 });
    return vc.signPresentation({
      presentation,
      suite,
      documentLoader: loader,
      challenge: opts.challenge,
      ...(opts.domain !== undefined && { domain: opts.domain }),
    });
  }

  return {
    did,
    didAuth,
    async exchange(url) {
      const first = await post(url, {});
      if (first.status !== 200 || !first.body.verifiablePresentationRequest) return first;
      const vpr = first.body.verifiablePresentationRequest;
      const vp = await didAuth({ challenge: vpr.challenge, domain: vpr.domain });
      return post(vpr.interact?.service?.[0]?.serviceEndpoint ?? url, { verifiablePresentation: vp });
    },
  };
}
