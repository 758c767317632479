import type { WalletExchangeRepository } from '../db/wallet-exchange-repository.js';
import type { ClaimLinkSigner } from './claim-links.js';

/**
 * Claim links in issuance answers (opt-in: `claim_links: true`), for the platform to hand each
 * recipient: the verification page URL with the token, which shows that recipient the
 * "Add to wallet" section.
 */
export interface ClaimLinkAnswer {
  url: string;
  token: string;
  expiresAt: string;
}

function claimLinkAnswer(signer: ClaimLinkSigner, base: string, assertionId: string): ClaimLinkAnswer {
  const link = signer.issue(assertionId);
  return {
    url: `${base}/v/${encodeURIComponent(assertionId)}?claim=${link.token}`,
    token: link.token,
    expiresAt: link.expiresAt.toISOString(),
  };
}

export interface ClaimAnswerDeps {
  signer: ClaimLinkSigner;
  repo: WalletExchangeRepository;
  base: string;
}

/** The claim links issuance answers carry: of one assertion, or of every recipient of a bulk. */
export function claimAnswers(deps: ClaimAnswerDeps) {
  return {
    one: (assertionId: string) => claimLinkAnswer(deps.signer, deps.base, assertionId),
    bulk: (org: string, credentialId: string, users: string[]) => bulkClaimLinks(deps, org, credentialId, users),
  };
}

/** One claim link per recipient of a finished bulk (issued or already holding the credential). */
async function bulkClaimLinks(
  deps: ClaimAnswerDeps,
  org: string,
  credentialId: string,
  users: string[],
): Promise<Array<{ user: string; assertion_id: string; url: string; expires_at: string }>> {
  const rows = await deps.repo.liveAssertionsOf(org, credentialId, users);
  const byUser = new Map(rows.map((r) => [r.recipient_user_id, r.id]));
  const byEmail = new Map(rows.filter((r) => r.recipient_email).map((r) => [r.recipient_email!.toLowerCase(), r.id]));
  return users.flatMap((user) => {
    const id = byUser.get(user) ?? byEmail.get(user.toLowerCase());
    if (!id) return [];
    const link = claimLinkAnswer(deps.signer, deps.base, id);
    return [{ user, assertion_id: id, url: link.url, expires_at: link.expiresAt }];
  });
}
