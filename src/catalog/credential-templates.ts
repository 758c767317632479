import { assetUrlPrefixes, checkTemplates } from '../rendering/template-check.js';

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
}

export type TemplateChecker = (args: TemplateCheckArgs) => void;

export function templateChecker(publicBaseUrl: string): TemplateChecker {
  const assetPrefixes = assetUrlPrefixes(publicBaseUrl);
  return ({ html, css, allowedTags }) => {
    if (html == null && css == null) return;
    checkTemplates({ htmlTemplate: html ?? '', cssTemplate: css, allowedTags, assetPrefixes });
  };
}
