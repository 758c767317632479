import type { Response } from 'express';
import { z, type ZodType } from 'zod';

/** The credentials API's envelope: `{status: {success, description}, result}`. */
export type StatusDescription = 'Ok' | 'Created' | 'Updated' | 'Deleted';

const STATUS_CODE: Record<StatusDescription, number> = { Ok: 200, Created: 201, Updated: 200, Deleted: 200 };

export function envelope(result: unknown, description: StatusDescription = 'Ok') {
  return result === undefined
    ? { status: { success: true, description } }
    : { status: { success: true, description }, result };
}

export function sendEnvelope(
  res: Response,
  result: unknown,
  description: StatusDescription = 'Ok',
  status?: number,
): void {
  res.status(status ?? STATUS_CODE[description]).json(envelope(result, description));
}

export function errorEnvelope(
  description: string,
  extra: { fieldErrors?: Record<string, string[]>; validationErrors?: string[] } = {},
) {
  return {
    status: { success: false, description },
    fieldErrors: extra.fieldErrors ?? {},
    validationErrors: extra.validationErrors ?? [],
  };
}

/** The documented shape of a success envelope around `result` (OpenAPI, contract tests). */
export function envelopeSchema<T extends ZodType>(result: T, description?: StatusDescription) {
  return z.object({
    status: z.object({
      success: z.literal(true),
      description: description ? z.literal(description) : z.enum(['Ok', 'Created', 'Updated', 'Deleted']),
    }),
    result,
  });
}

/** An envelope without a result (`{"status": {"success": true, "description": "Deleted"}}`). */
export const statusOnlySchema = z.object({
  status: z.object({ success: z.literal(true), description: z.enum(['Ok', 'Created', 'Updated', 'Deleted']) }),
});

/** Every error answer of the credentials API. */
export const errorEnvelopeSchema = z.object({
  status: z.object({ success: z.literal(false), description: z.string() }),
  fieldErrors: z.record(z.string(), z.array(z.string())),
  validationErrors: z.array(z.string()),
});
