import { assetUrlPrefixes, checkTemplates, PUBLIC_IMAGES_PATH } from '../template/template-check.js';

/**
 * The write-time template check of a credential, bound to this deployment's image URLs: the
 * rendering module does the checking; this only supplies the allowed load prefixes and skips
 * credentials without templates of their own (they render with the default template).
 */
export interface TemplateCheckArgs {
  html: string | null | undefined;
  css: string | null | undefined;
  /** the issuer's allowed_template_tags (null or empty: every tag) */
  allowedTags: readonly string[] | null | undefined;
  /** the credential's org: its templates may load that org's stored images only */
  org: string;
}

export type TemplateChecker = (args: TemplateCheckArgs) => void;

export function templateChecker(publicBaseUrl: string): TemplateChecker {
  // The renderer answers an org's own images only; another org's would render as broken images.
  return ({ html, css, allowedTags, org }) => {
    if (html == null && css == null) return;
    const assetPrefixes = assetUrlPrefixes(publicBaseUrl, `${PUBLIC_IMAGES_PATH}images/${org}/`);
    checkTemplates({ htmlTemplate: html ?? '', cssTemplate: css, allowedTags, assetPrefixes });
  };
}
