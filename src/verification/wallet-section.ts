import { isRefusal } from '../errors.js';
import type { ExchangeService } from '../exchanges/exchange-service.js';

/**
 * The verification page's "Add to wallet" section (issue 15), shown only to whoever opened the
 * page with a valid claim link: an open exchange, its QR code and the wallets' links. Loading the
 * page again shows the same exchange while it has time left (no new row per load). A claim link
 * that is not (or no longer) valid, or has issued its copies, gets a sentence saying so, and no QR code.
 */
export interface WalletSection {
  qrCodePng?: string;
  interactionUrl?: string;
  lcw?: string;
  learnCard?: string;
  expiresAt?: string;
  problem?: string;
}

export async function walletSection(
  exchanges: ExchangeService,
  assertionId: string,
  claim: string,
): Promise<WalletSection> {
  try {
    const x = await exchanges.create(assertionId, { claim }, { reuseOpen: true });
    return {
      qrCodePng: x.qrCodePng,
      interactionUrl: x.interactionUrl,
      lcw: x.deepLinks.lcwUniversal,
      learnCard: x.deepLinks.learnCard,
      expiresAt: x.expiresAt,
    };
  } catch (err) {
    if (!isRefusal(err)) throw err;
    return { problem: `This credential cannot be added to a wallet from this link: ${err.message}` };
  }
}
