import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { coerceFormFields } from '../../../src/http/form-body.js';

describe('form fields coerced by the route schema', () => {
  const schema = z.object({
    name: z.string(),
    flag: z.boolean().optional(),
    n: z.preprocess((v) => (v === '' ? null : v), z.number().nullable()).optional(),
    tags: z
      .array(z.string())
      .nullable()
      .optional()
      .transform((v) => v ?? []),
    recipient: z.object({ user_id: z.string() }),
    either: z.union([z.string(), z.object({ a: z.number() })]).optional(),
  });

  it('booleans, numbers, lists and JSON objects; text stays text', () => {
    const out = coerceFormFields(
      { name: '123', flag: 'on', n: '42', tags: 'one', recipient: '{"user_id":"sam"}', either: '{"a":1}' },
      schema,
    );
    expect(out).toEqual({
      name: '123',
      flag: true,
      n: 42,
      tags: ['one'],
      recipient: { user_id: 'sam' },
      either: { a: 1 },
    });
    expect(schema.parse(out)).toMatchObject({ flag: true, n: 42, tags: ['one'] });
    expect(coerceFormFields({ tags: ['a', 'b'], flag: 'FALSE', n: '' }, schema)).toEqual({
      tags: ['a', 'b'],
      flag: false,
      n: '',
    });
    expect(coerceFormFields({ tags: '["a","b"]', either: 'plain' }, schema)).toEqual({
      tags: ['a', 'b'],
      either: 'plain',
    });
  });

  it('values that do not coerce are left for the schema to refuse', () => {
    const out = coerceFormFields({ name: ['a', 'b'], flag: 'maybe', n: '4e5', recipient: 'sam' }, schema);
    expect(out).toEqual({ name: ['a', 'b'], flag: 'maybe', n: '4e5', recipient: 'sam' });
    expect(schema.safeParse(out).success).toBe(false);
    expect(() => coerceFormFields({ recipient: '{"user_id":' }, schema)).toThrow(/recipient: must be a JSON object/);
  });
});
