/** Rendering: template checks, Handlebars merge, Chromium page pool, PDF/PNG, PDF credential. */
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
export { createRenderer, countPdfPages } from './renderer.js';
export type {
  Renderer,
  RendererOptions,
  RendererStats,
  PdfOptions,
  PngOptions,
  LoadedAsset,
  BlockedRequest,
  AssetRequest,
} from './renderer.js';
export type { RenderLogger } from './browser-pool.js';
export { RenderRetryableError, RenderLimitError, isRetryableRenderError } from './errors.js';
export {
  attachCredentialToPdf,
  readPdfCredential,
  CREDENTIAL_ATTACHMENT_NAME,
  CREDENTIAL_ATTACHMENT_MIME,
} from './pdf-credential.js';
export type { PdfCredential, PdfCredentialInput } from './pdf-credential.js';
export { pageSizeFromCss, DEFAULT_PAGE_SIZE } from './page-size.js';
export { defaultCertificateTemplate } from './default-template.js';
export { BUNDLED_FONT_FAMILIES } from './fonts.js';
