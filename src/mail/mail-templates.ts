import { checkTemplates, assetUrlPrefixes } from '../template/template-check.js';
import { COMPILE_OPTIONS, createHandlebars, RUNTIME_OPTIONS } from '../template/handlebars-env.js';

/**
 * The recipient emails: a per-org Handlebars template (HTML, text, subject) or the defaults below.
 * The HTML template passes the same checks as certificate templates (no remote loads, no scripts,
 * no triple-stash: every value is HTML-escaped); the text and subject are rendered unescaped, as
 * plain text needs, and cannot carry markup a mail client would run.
 */
export const DEFAULT_SUBJECT = 'You have earned {{credential.name}}';

export const DEFAULT_HTML = `<!doctype html>
<html><body style="font-family: sans-serif; line-height: 1.5">
<p>Hello {{recipient.name}},</p>
<p><strong>{{issuer.name}}</strong> has awarded you <strong>{{credential.name}}</strong> on {{issued_on}}.</p>
<p><img src="{{credential.image}}" alt="{{credential.name}}" width="160" height="160"></p>
{{#if credential.description}}<p>{{credential.description}}</p>{{/if}}
<p><a href="{{verification_url}}">View and share your credential</a></p>
{{#if claim_url}}<p><a href="{{claim_url}}">Add it to your wallet</a> (this link is yours alone; it shows a QR code
for the Learner Credential Wallet, LearnCard or another VC API wallet)</p>{{/if}}
{{#if expires}}<p>It is valid until {{expires}}.</p>{{/if}}
</body></html>`;

export const DEFAULT_TEXT = `Hello {{recipient.name}},

{{issuer.name}} has awarded you {{credential.name}} on {{issued_on}}.

View and share your credential: {{verification_url}}
{{#if claim_url}}Add it to your wallet (this link is yours alone): {{claim_url}}
{{/if}}{{#if expires}}It is valid until {{expires}}.{{/if}}
`;

export const REVOKED_SUBJECT = 'Your credential {{credential.name}} was revoked';
export const REVOKED_TEXT = `Hello {{recipient.name}},

{{issuer.name}} has revoked your credential {{credential.name}}.

Details: {{verification_url}}
`;

export interface MailContext {
  recipient: { name: string; email: string; user_id: string };
  credential: { name: string; description: string; image: string };
  issuer: { name: string; url: string; email: string };
  issued_on: string;
  expires: string;
  verification_url: string;
  /**
   * The recipient's claim link (issue 15): the verification page with the "Add to wallet" section.
   * Only in the issued email; a bearer secret, so never in a revocation notice or a webhook.
   */
  claim_url: string;
  assertion_id: string;
}

/** Throws a ValidationError (400) naming each problem, as for certificate templates. */
export function checkMailTemplates(
  t: { html_template?: string | null; text_template?: string | null; subject?: string | null },
  publicBaseUrl: string,
): void {
  const assetPrefixes = assetUrlPrefixes(publicBaseUrl);
  if (t.html_template) checkTemplates({ htmlTemplate: t.html_template, assetPrefixes });
  // Text and subject: the same syntax, tag and helper checks (their markup is never interpreted).
  for (const text of [t.text_template, t.subject]) {
    if (text) checkTemplates({ htmlTemplate: text.replace(/</g, ' '), assetPrefixes });
  }
}

const hb = createHandlebars();
const compiled = new Map<string, HandlebarsTemplateDelegate>();

function compile(source: string, escape: boolean): HandlebarsTemplateDelegate {
  const key = `${escape ? 'h' : 't'}:${source}`;
  let fn = compiled.get(key);
  if (!fn) {
    fn = hb.compile(source, { ...COMPILE_OPTIONS, noEscape: !escape });
    if (compiled.size > 500) compiled.clear();
    compiled.set(key, fn);
  }
  return fn;
}

export function renderMail(
  ctx: MailContext,
  t: { subject: string; html?: string; text: string },
): { subject: string; html?: string; text: string } {
  // Header injection: a subject is one line, whatever the values held.
  const subject = compile(t.subject, false)(ctx, RUNTIME_OPTIONS)
    .replace(/[\r\n]+/g, ' ')
    .trim();
  return {
    subject,
    ...(t.html !== undefined && { html: compile(t.html, true)(ctx, RUNTIME_OPTIONS) }),
    text: compile(t.text, false)(ctx, RUNTIME_OPTIONS),
  };
}
