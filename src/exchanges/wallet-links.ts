/**
 * The addresses of one exchange and the links wallets open, from the wallets' own sources:
 * - VC API interaction URL (`?iuv=1`; GET with `Accept: application/json` → `{protocols}`), as
 *   the CCG VC API / CHAPI exchange convention and LearnCard's interop guide describe it;
 * - Learner Credential Wallet: `dccrequest://request?request=<{credentialRequestOrigin,
 *   protocols}>` (and the same on its universal link `https://lcw.app/mobile`), which its
 *   app/lib/deepLink.ts routes to the VC API exchange screen (app/lib/exchanges.ts); plus its
 *   older form `dccrequest://request?issuer=…&auth_type=bearer&challenge=…&vc_request_url=…`
 *   (app/lib/credentialRequest.ts: one POST of a DID-auth presentation carrying the challenge);
 * - LearnCard: `https://learncard.app/request?vc_request_url=<exchange URL>`
 *   (docs/how-to-guides/interoperate-with-learncard.md, "Path 2a").
 */
export function exchangeUrls(base: string) {
  const pub = `${base}/api/credentials/public`;
  return {
    /** The VC API exchange endpoint (POST). */
    exchange: (exchangeId: string) => `${pub}/exchanges/${exchangeId}`,
    /** What the QR code carries: JSON `{protocols}` for wallets, a page for browsers. */
    interaction: (exchangeId: string) => `${pub}/exchanges/${exchangeId}/interaction?iuv=1`,
    /** VC API `domain` of the DID-auth request: this service's host. */
    domain: new URL(base).host,
    origin: new URL(base).origin,
  };
}

export type ExchangeUrls = ReturnType<typeof exchangeUrls>;

export interface WalletDeepLinks {
  /** Learner Credential Wallet, VC API exchange (custom scheme). */
  lcw: string;
  /** The same request on LCW's universal link (opens the app, or its site when not installed). */
  lcwUniversal: string;
  /** LCW's older single-POST form: the challenge travels in the link. */
  lcwLegacy: string;
  learnCard: string;
}

export function walletDeepLinks(input: { origin: string; exchangeUrl: string; challenge: string }): WalletDeepLinks {
  const request = encodeURIComponent(
    JSON.stringify({ credentialRequestOrigin: input.origin, protocols: { vcapi: input.exchangeUrl } }),
  );
  const legacy = new URLSearchParams({
    issuer: input.origin,
    auth_type: 'bearer',
    challenge: input.challenge,
    vc_request_url: input.exchangeUrl,
  });
  return {
    lcw: `dccrequest://request?request=${request}`,
    lcwUniversal: `https://lcw.app/mobile?request=${request}`,
    lcwLegacy: `dccrequest://request?${legacy.toString()}`,
    learnCard: `https://learncard.app/request?vc_request_url=${encodeURIComponent(input.exchangeUrl)}`,
  };
}
