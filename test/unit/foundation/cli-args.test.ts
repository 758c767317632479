import { describe, expect, it } from 'vitest';
import { joinDashValues } from '../../../src/cli.js';

describe('CLI arguments', () => {
  it('keeps a value that starts with a dash (entity ids are url-safe base64) with its option', () => {
    expect(joinDashValues(['issue', '--credential', '-x4Tq_9', '--email', 'a@b.c'])).toEqual([
      'issue',
      '--credential=-x4Tq_9',
      '--email',
      'a@b.c',
    ]);
    expect(joinDashValues(['revoke', 'id', '--reason', '- duplicate award'])).toEqual([
      'revoke',
      'id',
      '--reason=- duplicate award',
    ]);
  });

  it('leaves options, flags and a missing value alone, so usage errors stay usage errors', () => {
    expect(joinDashValues(['issuers', 'create', '--name', '--email', 'x'])).toEqual([
      'issuers',
      'create',
      '--name',
      '--email',
      'x',
    ]);
    expect(joinDashValues(['--json', '-abc'])).toEqual(['--json', '-abc']);
    expect(joinDashValues(['tokens', 'list', '--org', '-h'])).toEqual(['tokens', 'list', '--org', '-h']);
  });
});
