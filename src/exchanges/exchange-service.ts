import { randomBytes, randomUUID } from 'node:crypto';
import QRCode from 'qrcode';
import type { Principal } from '../auth/principal.js';
import type { AssertionRepository, AssertionRow } from '../db/assertion-repository.js';
import type { ExchangeRow, WalletExchangeRepository } from '../db/wallet-exchange-repository.js';
import { ConflictError, GoneError, NotFoundError, UnauthorizedError } from '../errors.js';
import { usesDataIntegrity } from '../issuance/award-proofs.js';
import type { IssuerKeyService } from '../issuers/issuer-keys.js';
import { VC_V2_CONTEXT } from '../openbadges/index.js';
import type { DidWebResolver } from '../signing/document-loader.js';
import type { ClaimLinkSigner } from './claim-links.js';
import { verifyDidAuth } from './did-auth.js';
import { holderCopyDraft, proveHolderCopy } from './holder-copy.js';
import { exchangeUrls, walletDeepLinks, type ExchangeUrls, type WalletDeepLinks } from './wallet-links.js';

/**
 * "Add to wallet" (issue 15): VC API exchanges that issue an award to the holder DID of the wallet
 * that runs them. The state lives in PostgreSQL (any replica serves any step); an exchange is
 * single use and short-lived; the credential is issued only after a DID-auth presentation for
 * this exchange's challenge verifies.
 */
export interface ExchangeDeps {
  assertionRepo: AssertionRepository;
  walletExchangeRepo: WalletExchangeRepository;
  issuerKeys: IssuerKeyService;
  claimLinks: ClaimLinkSigner;
  /** The caller may see the assertion (admins of its org, its recipient); throws 404 otherwise. */
  canSee(p: Principal, assertionId: string): Promise<void>;
  resolveDidWeb: DidWebResolver;
  publicBaseUrl: string;
  exchangeTtlMs: number;
  /** Copies of one assertion claim links may pick up, all wallets together (WALLET_MAX_COPIES). */
  maxClaimCopies: number;
}

/** Who asks for an exchange: the holder of a claim link, or an authenticated user. */
export type ExchangeCreator = { claim: string } | { principal: Principal };

export interface CreatedExchange {
  exchangeId: string;
  exchangeUrl: string;
  interactionUrl: string;
  deepLink: string;
  deepLinks: WalletDeepLinks;
  qrCodePng: string;
  expiresAt: string;
}

/** Expired exchanges are deleted a day after, when new ones are made. */
const EXPIRED_KEEP_MS = 86_400_000;

/**
 * A claim link is a bearer secret valid for weeks, and each exchange it starts issues a copy to
 * whichever DID answers: so the copies it may issue are capped (bearer-token exchanges are not).
 */
function claimCapReached(max: number): ConflictError {
  return new ConflictError(
    `This credential was added to wallets through its claim link ${max} time(s), the most allowed; ` +
      'ask its issuer to add it to another wallet.',
  );
}

/** An assertion a wallet may receive: live and unexpired. */
async function issuableAssertion(assertionRepo: AssertionRepository, assertionId: string): Promise<AssertionRow> {
  const a = await assertionRepo.getAssertionById(assertionId);
  if (!a) throw new NotFoundError(`Assertion "${assertionId}" does not exist.`);
  if (a.revoked_at) throw new GoneError('This credential has been revoked; it cannot be added to a wallet.');
  if (a.expires_at && a.expires_at.getTime() <= Date.now()) {
    throw new GoneError('This credential has expired; it cannot be added to a wallet.');
  }
  return a;
}

/** A live, unfinished exchange. */
async function openExchange(repo: WalletExchangeRepository, exchangeId: string): Promise<ExchangeRow> {
  const x = await repo.getExchange(exchangeId);
  if (!x) throw new NotFoundError(`Exchange "${exchangeId}" does not exist.`);
  if (x.state === 'complete') {
    throw new ConflictError(
      'This exchange is complete: its credential was issued already (an exchange is single use).',
    );
  }
  if (x.expires_at.getTime() <= Date.now()) {
    throw new GoneError(`This exchange expired at ${x.expires_at.toISOString()}; start a new one.`);
  }
  return x;
}

/** The DID-auth request of VC API exchanges (the CCG VC API `DIDAuthentication` query). */
function didAuthRequest(x: ExchangeRow, urls: ExchangeUrls) {
  return {
    verifiablePresentationRequest: {
      query: [
        {
          type: 'DIDAuthentication',
          acceptedMethods: [{ method: 'key' }, { method: 'web' }],
          acceptedCryptosuites: [{ cryptosuite: 'eddsa-rdfc-2022' }],
        },
      ],
      challenge: x.challenge,
      domain: urls.domain,
      interact: {
        service: [{ type: 'UnmediatedHttpPresentationService2021', serviceEndpoint: urls.exchange(x.id) }],
      },
    },
  };
}

/** The exchange as its creator sees it: URLs, wallet links, QR code. */
async function presented(
  urls: ExchangeUrls,
  x: Pick<ExchangeRow, 'id' | 'challenge' | 'expires_at'>,
): Promise<CreatedExchange> {
  const exchangeUrl = urls.exchange(x.id);
  const interactionUrl = urls.interaction(x.id);
  const deepLinks = walletDeepLinks({ origin: urls.origin, exchangeUrl, challenge: x.challenge });
  return {
    exchangeId: x.id,
    exchangeUrl,
    interactionUrl,
    deepLink: deepLinks.lcw,
    deepLinks,
    qrCodePng: await QRCode.toDataURL(interactionUrl, { errorCorrectionLevel: 'M', margin: 2, width: 256 }),
    expiresAt: x.expires_at.toISOString(),
  };
}

export function exchangeService(deps: ExchangeDeps) {
  const urls = exchangeUrls(deps.publicBaseUrl);
  const repo = deps.walletExchangeRepo;

  const protocolsOf = (x: ExchangeRow) => ({ vcapi: urls.exchange(x.id) });

  async function issueToHolder(x: ExchangeRow, holderDid: string) {
    const a = await issuableAssertion(deps.assertionRepo, x.assertion_id);
    const identity = await deps.issuerKeys.dids.identity(a.issuer_id);
    const copyId = randomUUID();
    const draft = holderCopyDraft(a.credential_json, holderDid, copyId);
    const copy = await proveHolderCopy(
      draft,
      identity,
      async () => {
        const key = await deps.issuerKeys.getSigningKey(a.issuer_id);
        return { privateJwk: key.privateJwk, alg: key.alg, kid: key.kid };
      },
      deps.issuerKeys.dids.loader,
    );
    const byClaim = x.created_by === 'claim';
    const outcome = await repo.complete(
      x.id,
      {
        id: copyId,
        assertion_id: a.id,
        exchange_id: x.id,
        holder_did: holderDid,
        credential_json: copy.credential,
        credential_jwt: copy.jwt,
        by_claim: byClaim,
      },
      byClaim ? deps.maxClaimCopies : undefined,
    );
    if (outcome === 'capped') throw claimCapReached(deps.maxClaimCopies);
    if (outcome === 'lost') {
      // Lost a race (a concurrent replay, or the clock): say why, as a later request would hear.
      await openExchange(repo, x.id);
      throw new ConflictError('This exchange is complete: its credential was issued already.');
    }
    return copy.credential;
  }

  /** The assertion a caller may start an exchange for; refusals say why. */
  async function exchangeableBy(assertionId: string, by: ExchangeCreator): Promise<AssertionRow> {
    if ('claim' in by) {
      if (!deps.claimLinks.verify(by.claim, assertionId)) {
        throw new UnauthorizedError('The claim link is not valid for this credential, or it has expired.');
      }
    } else {
      await deps.canSee(by.principal, assertionId);
    }
    const a = await issuableAssertion(deps.assertionRepo, assertionId);
    if (!usesDataIntegrity(await deps.issuerKeys.dids.identity(a.issuer_id))) {
      throw new ConflictError('The issuer of this credential does not sign Data Integrity proofs, which wallets need.');
    }
    // Checked again, atomically, when a copy is issued: this spares the wallet a doomed exchange.
    if ('claim' in by && (await repo.claimCopies(a.id)) >= deps.maxClaimCopies) {
      throw claimCapReached(deps.maxClaimCopies);
    }
    return a;
  }

  return {
    urls,

    /**
     * A new exchange. `reuseOpen` (the verification page behind a claim link, loaded again and
     * again): the newest open claim exchange of the assertion with at least half its lifetime
     * left, when there is one, instead of a new row each time.
     */
    async create(
      assertionId: string,
      by: ExchangeCreator,
      opts: { reuseOpen?: boolean } = {},
    ): Promise<CreatedExchange> {
      const a = await exchangeableBy(assertionId, by);
      if (opts.reuseOpen && 'claim' in by) {
        const open = await repo.openClaimExchange(a.id, new Date(Date.now() + deps.exchangeTtlMs / 2));
        if (open) return presented(urls, open);
      }
      await repo.deleteExpired(EXPIRED_KEEP_MS);
      const x = {
        id: randomBytes(18).toString('base64url'),
        assertion_id: a.id,
        org: a.org,
        challenge: randomUUID(),
        created_by: 'claim' in by ? 'claim' : `user:${by.principal.userId}`,
        expires_at: new Date(Date.now() + deps.exchangeTtlMs),
      };
      await repo.insertExchange(x);
      return presented(urls, x);
    },

    /** What the interaction URL answers: the protocols this exchange speaks (JSON), and the links for its page. */
    async interaction(exchangeId: string) {
      const x = await openExchange(repo, exchangeId);
      const exchangeUrl = urls.exchange(x.id);
      return {
        protocols: protocolsOf(x),
        interactionUrl: urls.interaction(x.id),
        expiresAt: x.expires_at,
        deepLinks: walletDeepLinks({ origin: urls.origin, exchangeUrl, challenge: x.challenge }),
      };
    },

    /** One VC API step: `{}` → the DID-auth request; `{verifiablePresentation}` → the credential. */
    async step(exchangeId: string, body: { verifiablePresentation?: unknown }) {
      const x = await openExchange(repo, exchangeId);
      if (body.verifiablePresentation === undefined) {
        await repo.markRequested(x.id);
        return didAuthRequest(x, urls);
      }
      const holder = await verifyDidAuth(
        body.verifiablePresentation,
        { challenge: x.challenge, domain: urls.domain, requireDomain: x.state === 'requested' },
        deps.resolveDidWeb,
      );
      const credential = await issueToHolder(x, holder);
      return {
        verifiablePresentation: {
          '@context': [VC_V2_CONTEXT],
          type: ['VerifiablePresentation'],
          verifiableCredential: [credential],
        },
      };
    },
  };
}

export type ExchangeService = ReturnType<typeof exchangeService>;
