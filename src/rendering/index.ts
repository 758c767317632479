/** Rendering: the Chromium page pool and PDF/PNG output of merged templates (the template language is in template/). */
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
export { pageSizeFromCss, DEFAULT_PAGE_SIZE } from './page-size.js';
