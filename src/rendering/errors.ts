/**
 * Render failures, typed so the job queue knows what to do:
 *  - {@link RenderRetryableError} (503): the browser timed out, crashed or is being replaced; the
 *    job should be retried (the pool has already replaced the browser/page);
 *  - {@link RenderLimitError} (400): the template itself is at fault (too many pages, output too
 *    large, merge failed); retrying cannot help — use BullMQ's UnrecoverableError.
 */
import { UnavailableError, ValidationError } from '../errors.js';

export type RetryableRenderReason = 'timeout' | 'browser_crashed' | 'browser_unavailable' | 'renderer_closed';
export type RenderLimitReason = 'page_limit' | 'output_size' | 'template_error';

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
