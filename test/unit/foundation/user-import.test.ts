import { describe, expect, it } from 'vitest';
import { parseUserImport } from '../../../src/directory/user-import.js';

describe('user import parsing', () => {
  it('reads CSV with quotes, commas and department lists', () => {
    expect(parseUserImport('user_id,role,name,departments\na,student,"Doe, ""JD""",x;y\n')).toEqual([
      { user_id: 'a', role: 'student', name: 'Doe, "JD"', departments: ['x', 'y'] },
    ]);
  });
  it('reads JSON and names the bad record', () => {
    expect(parseUserImport('[{"user_id":"a","role":"student"}]')).toEqual([{ user_id: 'a', role: 'student' }]);
    expect(() => parseUserImport('[{"user_id":"a","role":"student"},{"user_id":"b"}]')).toThrow(/Record 2: role/);
    expect(() => parseUserImport('name\nx')).toThrow(/header/);
  });
});
