/**
 * Render failures, typed so the job queue knows what to do:
 *  - {@link RenderRetryableError} (503): the browser timed out, crashed or is being replaced; the
 *    job should be retried (the pool has already replaced the browser/page);
 *  - {@link RenderLimitError} (400): the template itself is at fault (too many pages, output too
 *    large, merge failed, a second timeout, an image over the pixel budget); retrying cannot help —
 *    use BullMQ's UnrecoverableError.
 */
import { UnavailableError, ValidationError } from '../errors.js';

export type RetryableRenderReason = 'timeout' | 'browser_crashed' | 'browser_unavailable' | 'renderer_closed';
// render_timeout: the same job timed out twice; image_too_large: a stored image over the pixel budget.
export const RENDER_LIMIT_REASONS = [
  'page_limit',
  'output_size',
  'template_error',
  'render_timeout',
  'image_too_large',
] as const;
export type RenderLimitReason = (typeof RENDER_LIMIT_REASONS)[number];

/** A job's failedReason written by the render worker (`<reason>: <message>`) for a template at fault. */
export function isTemplateFailure(failedReason: string | undefined): boolean {
  return RENDER_LIMIT_REASONS.some((r) => failedReason?.startsWith(`${r}:`));
}

export class RenderRetryableError extends UnavailableError {
  readonly retryable = true as const;
  readonly reason: RetryableRenderReason;
  constructor(reason: RetryableRenderReason, message: string, options?: { cause?: unknown }) {
    super(message);
    this.reason = reason;
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

export class RenderLimitError extends ValidationError {
  readonly retryable = false as const;
  readonly reason: RenderLimitReason;
  constructor(reason: RenderLimitReason, message: string) {
    super(message, { validationErrors: [message] });
    this.reason = reason;
  }
}

export function isRetryableRenderError(e: unknown): e is RenderRetryableError {
  return e instanceof RenderRetryableError;
}
