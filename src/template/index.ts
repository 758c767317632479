/** The template language: write-time checks, the tag tree, Handlebars merge, the document around it. */
export {
  checkTemplates,
  assetUrlPrefixes,
  urlProblem,
  MAX_TEMPLATE_BYTES,
  PUBLIC_IMAGES_PATH,
} from './template-check.js';
export type { TemplateCheckInput, TemplateCheckResult } from './template-check.js';
export {
  TAG_TREE,
  TEMPLATE_TAGS,
  TEMPLATE_TAG_NAMES,
  isKnownTemplateTag,
  buildTemplateContext,
  makeQrDataUrl,
  templateTagsMarkdown,
} from './template-context.js';
export type {
  TemplateContext,
  TemplateContextInput,
  TemplateTagInfo,
  TemplateSignatory,
  TemplateCustomField,
} from './template-context.js';
export { HELPER_NAMES, HELPER_DOCS } from './helpers.js';
export {
  renderTemplate,
  buildDocument,
  buildCertificateDocument,
  compileTemplate,
  templateKey,
  contentSecurityPolicy,
} from './template.js';
export type { DocumentOptions } from './template.js';
export { defaultCertificateTemplate } from './default-template.js';
export { BUNDLED_FONT_FAMILIES } from './font-faces.js';
