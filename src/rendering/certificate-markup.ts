/** The merged certificate markup of an assertion: its template (or the default) over its context. */
import type { AssertionRow } from '../db/assertion-repository.js';
import type { CatalogRepository, CredentialRow, IssuerRow } from '../db/catalog-repository.js';
import type { PublicUrls } from '../public-urls.js';
import { publicRecipientName } from '../recipient-name.js';
import { defaultCertificateTemplate, stackCssOf } from '../template/default-template.js';
import { buildTemplateContext, type TemplateContextInput } from '../template/template-context.js';
import { renderTemplate } from '../template/template.js';
import { RenderLimitError } from './errors.js';

export interface CertificateTemplate {
  htmlTemplate: string;
  cssTemplate: string;
}

/** The credential's own template, else the default certificate. */
export const certificateTemplateOf = (credential: CredentialRow | undefined): CertificateTemplate =>
  credential?.html_template
    ? { htmlTemplate: credential.html_template, cssTemplate: credential.css_template ?? '' }
    : defaultCertificateTemplate();

type Signatory = { name: string; title: string | null; signature: string | null };

/** What the catalog says in a certificate: the credential, its issuer and their signatories. */
export function catalogContext(
  credential: CredentialRow,
  issuer: IssuerRow | undefined,
  signatories: Signatory[],
): Pick<TemplateContextInput, 'credential' | 'issuer' | 'signatories'> {
  return {
    credential: {
      name: credential.name,
      description: credential.description,
      criteria_text: credential.criteria_text,
      criteria_url: credential.criteria_url,
      image: credential.icon_image,
      course: credential.course,
      program: credential.program,
    },
    issuer: { name: issuer?.name ?? '', url: issuer?.url, email: issuer?.email, image: issuer?.icon_image },
    signatories: signatories.map((s) => ({ name: s.name, title: s.title, signature_image: s.signature })),
  };
}

/** The template over its context; a template that fails to merge is the template's fault. */
export async function mergeCertificate(
  template: CertificateTemplate,
  input: TemplateContextInput,
): Promise<{ html: string; css: string }> {
  const context = await buildTemplateContext(input);
  try {
    return renderTemplate(template.htmlTemplate, template.cssTemplate, context);
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

export async function certificateMarkup(
  deps: { catalogRepo: CatalogRepository; urls: PublicUrls },
  a: AssertionRow,
  credential: CredentialRow,
): Promise<{ html: string; css: string; issuerName: string; stackCss?: string }> {
  const { catalogRepo, urls } = deps;
  const template = certificateTemplateOf(credential);
  const issuer = await catalogRepo.getIssuerById(a.issuer_id);
  const signatories = await catalogRepo.listSignatories({ issuerId: a.issuer_id, credentialId: credential.id });
  const fromCatalog = catalogContext(credential, issuer, signatories);
  const merged = await mergeCertificate(template, {
    ...fromCatalog,
    recipient: { name: publicRecipientName(a) ?? 'Recipient', email: a.recipient_email, user_id: a.recipient_user_id },
    credential: { ...fromCatalog.credential, course: a.course ?? credential.course },
    issuedOn: a.issued_on,
    expires: a.expires_at,
    verificationUrl: urls.verificationPage(a.id),
    assertionId: a.id,
    fields: a.fields ?? {},
  });
  return { ...merged, issuerName: issuer?.name ?? '', stackCss: stackCssOf(template) };
}
