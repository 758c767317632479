import type { WalletDeepLinks } from './wallet-links.js';

/**
 * The interaction URL's answer to a browser (a phone camera that opened the QR code, a click on a
 * desktop): what the link is for and the wallet links to open. No scripts; every value escaped.
 */
const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function interactionPage(input: {
  interactionUrl: string;
  deepLinks: WalletDeepLinks;
  expiresAt: Date;
}): string {
  const e = escapeHtml;
  const links = [
    ['Open in Learner Credential Wallet', input.deepLinks.lcwUniversal, 'lcw'],
    ['Open in LearnCard', input.deepLinks.learnCard, 'learncard'],
  ]
    .map(([label, href, id]) => `<li><a class="button" data-link="${id}" href="${e(href)}">${e(label)}</a></li>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>Add a credential to your wallet</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
.button{display:inline-block;padding:.6rem 1rem;background:#0b4f9c;color:#fff;border-radius:.4rem;text-decoration:none}
ul{list-style:none;padding:0;display:grid;gap:.6rem}code{word-break:break-all}</style></head>
<body><main>
<h1>Add a credential to your wallet</h1>
<p>This link hands a credential to a digital wallet app. Open it with your wallet, or scan it with the
wallet's QR scanner. It works once and expires at <time datetime="${e(input.expiresAt.toISOString())}">${e(input.expiresAt.toUTCString())}</time>.</p>
<ul>${links}</ul>
<p>Other VC API wallets: use this address, <code>${e(input.interactionUrl)}</code>.</p>
</main></body></html>`;
}
