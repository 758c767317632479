import { describe, expect, it } from 'vitest';
import {
  AppError,
  ConflictError,
  ERROR_CODES,
  GoneError,
  isRefusal,
  NotFoundError,
  QueueUnavailableError,
  UnavailableError,
  ValidationError,
} from '../../../src/errors.js';
import { HTTP_STATUS } from '../../../src/http/error-status.js';
import { jobError, jobErrorToAppError } from '../../../src/queue/job-error.js';

describe('error codes', () => {
  it('every code has an HTTP status, and the classes keep the statuses they had', () => {
    for (const code of ERROR_CODES) expect(HTTP_STATUS[code]).toBeGreaterThanOrEqual(400);
    expect(new ValidationError('x').status).toBe(400);
    expect(new NotFoundError().status).toBe(404);
    expect(new GoneError('x').status).toBe(410);
    expect(new QueueUnavailableError().code).toBe('ERR_QUEUE_UNAVAILABLE');
    expect(new QueueUnavailableError().status).toBe(503);
  });

  it('refusals are the caller-side codes; faults and untyped errors are not', () => {
    expect(isRefusal(new ConflictError('x'))).toBe(true);
    expect(isRefusal(new ValidationError('x'))).toBe(true);
    expect(isRefusal(new UnavailableError('x'))).toBe(false);
    expect(isRefusal(new AppError('ERR_INTERNAL', 'x'))).toBe(false);
    expect(isRefusal(new Error('x'))).toBe(false);
  });

  it('a job refusal crosses Redis as a code and comes back as the same code', () => {
    const plain = JSON.parse(JSON.stringify(jobError(new GoneError('deleted'))));
    expect(plain).toEqual({ error: { code: 'ERR_GONE', message: 'deleted' } });
    const back = jobErrorToAppError(plain.error);
    expect(back.code).toBe('ERR_GONE');
    expect(back.message).toBe('deleted');
    expect(jobErrorToAppError({ code: 'ERR_FROM_THE_FUTURE' as never, message: 'x' }).code).toBe('ERR_UNAVAILABLE');
  });
});
