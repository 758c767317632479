/** Stored images as the renderer may use them: only under the public images prefix, within the pixel budget. */
import { budgetProblem, extOfContentType, readImageDimensions, type ImageBudget } from '../catalog/image-dimensions.js';
import type { PublicUrls } from '../public-urls.js';

/** Image key of a URL under the public images prefix, else null (external images are never fetched). */
export function storedImageKey(urls: PublicUrls, url: string | null | undefined): string | null {
  if (!url || !url.startsWith(urls.imagesPrefix)) return null;
  const key = url.slice(urls.imagesPrefix.length).split(/[?#]/)[0];
  return key && !key.includes('..') ? key : null;
}

/** Why a stored image must not be decoded (over the pixel budget, unreadable header), or null. */
export function overBudget(body: Buffer, contentType: string, budget: ImageBudget): string | null {
  const ext = extOfContentType(contentType);
  return ext ? budgetProblem(readImageDimensions(body, ext), budget) : null;
}
