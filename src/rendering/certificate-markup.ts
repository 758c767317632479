/** The merged certificate markup of an assertion: its template (or the default) over its context. */
import type { AssertionRow } from '../db/assertion-repository.js';
import type { CatalogRepository, CredentialRow } from '../db/catalog-repository.js';
import type { PublicUrls } from '../public-urls.js';
import { publicRecipientName } from '../recipient-name.js';
import { defaultCertificateTemplate } from '../template/default-template.js';
import { buildTemplateContext } from '../template/template-context.js';
import { renderTemplate } from '../template/template.js';
import { RenderLimitError } from './errors.js';

export async function certificateMarkup(
  deps: { catalogRepo: CatalogRepository; urls: PublicUrls },
  a: AssertionRow,
  credential: CredentialRow,
): Promise<{ html: string; css: string; issuerName: string }> {
  const { catalogRepo, urls } = deps;
  const issuer = await catalogRepo.getIssuerById(a.issuer_id);
  const signatories = await catalogRepo.listSignatories({ issuerId: a.issuer_id, credentialId: credential.id });
  const context = await buildTemplateContext({
    recipient: {
      name: publicRecipientName(a) ?? 'Recipient',
      email: a.recipient_email,
      user_id: a.recipient_user_id,
    },
    credential: {
      name: credential.name,
      description: credential.description,
      criteria_text: credential.criteria_text,
      criteria_url: credential.criteria_url,
      image: credential.icon_image,
      course: a.course ?? credential.course,
      program: credential.program,
    },
    issuer: { name: issuer?.name ?? '', url: issuer?.url, email: issuer?.email, image: issuer?.icon_image },
    issuedOn: a.issued_on,
    expires: a.expires_at,
    signatories: signatories.map((s) => ({ name: s.name, title: s.title, signature_image: s.signature })),
    verificationUrl: urls.verificationPage(a.id),
    assertionId: a.id,
    fields: a.fields ?? {},
  });
  const template = credential.html_template
    ? { htmlTemplate: credential.html_template, cssTemplate: credential.css_template ?? '' }
    : defaultCertificateTemplate();
  try {
    return {
      ...renderTemplate(template.htmlTemplate, template.cssTemplate, context),
      issuerName: issuer?.name ?? '',
    };
  } catch (e) {
    // The Handlebars message names the template construct, never fetched content.
    throw new RenderLimitError(
      'template_error',
      `template failed: ${String((e as Error).message)
        .split('\n')[0]
        .slice(0, 300)}`,
    );
  }
}
