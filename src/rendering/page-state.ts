/** What the renderer keeps on each pool page between and during jobs. */
import type { PageSlot } from './browser-instance.js';
import type { LoadedAsset } from './render-assets.js';

export interface RenderJob {
  /** free text (job id) for blocked-request reports and logs */
  label?: string;
  /** the job's asset host's nonce */
  nonce: string;
  /** the assets loaded for it before the document was written (null = missing) */
  assets: Map<string, LoadedAsset | null>;
}

export interface RenderPageState {
  /** the current job */
  job: RenderJob | null;
  /** the emulated viewport (`WxH@scale`) of the page, set for PNGs */
  metrics: string | null;
  /** jobs served by the current document */
  docJobs: number;
  /** the page is navigating to PAGE_URL and may be answered */
  expectPage: boolean;
}

export type RenderSlot = PageSlot<RenderPageState>;

export function newPageState(): RenderPageState {
  return { job: null, metrics: null, docJobs: 0, expectPage: false };
}
