import { describe, expect, it } from 'vitest';
import { parseCsvRecipients } from '../../../src/issuance/csv-recipients.js';
import { detectDelimiter, parseCsvTable } from '../../../src/csv/csv-table.js';
import { parseUserImport } from '../../../src/directory/user-import.js';

describe('CSV tables and recipients', () => {
  it('tells ";" from "," by the header, outside quotes', () => {
    expect(detectDelimiter('a;b;c\n1,2;3')).toBe(';');
    expect(detectDelimiter('"a;b;c",d\n')).toBe(',');
  });

  it('numbers each row by the line it starts on, across quoted newlines, blank lines and CRLF', () => {
    for (const nl of ['\n', '\r\n']) {
      const text = ['id,n', 'a,1', '', 'b,"x' + nl + 'y"', 'c,3', 'd,"p' + nl + nl + 'q"', 'e,5'].join(nl) + nl;
      const table = parseCsvTable(text, { maxRows: 10 });
      expect(table.rows.map((r) => [r.cells.id, r.line])).toEqual([
        ['a', 2],
        ['b', 4],
        ['c', 6],
        ['d', 7],
        ['e', 10],
      ]);
      expect(table.rows[1].cells.n).toBe('x\ny');
    }
  });

  it('reads bytes with a BOM and refuses text that is not UTF-8', () => {
    const bytes = new TextEncoder().encode('\uFEFFEmail;Name\nzoë@example.org;Zoë\n');
    expect(parseCsvRecipients(bytes)).toEqual([{ email: 'zoë@example.org', name: 'Zoë' }]);
    expect(() => parseCsvRecipients(new Uint8Array([0x75, 0x73, 0x65, 0x72, 0x5f, 0x69, 0x64, 0x0a, 0xff]))).toThrow(
      /not UTF-8/,
    );
  });

  it('maps username to user_id, keeps custom columns as fields, leaves empty cells out', () => {
    expect(parseCsvRecipients('Username,Score,Grade\nann,12,\n')).toEqual([{ user_id: 'ann', score: '12' }]);
  });

  it('names every bad row by its line', () => {
    expect(() => parseCsvRecipients('user_id\n"a b"\nok\n')).toThrow(/^CSV line 2: user_id "a b" may not contain/);
  });

  it('the CLI user import reads the same way and names line and record', () => {
    expect(parseUserImport('\uFEFFUSER_ID;Role;Name;Departments\nx;student;"Doe; J";"m;n"\n')).toEqual([
      { user_id: 'x', role: 'student', name: 'Doe; J', departments: ['m', 'n'] },
    ]);
    expect(() => parseUserImport('user_id,role,name\nok,student,"A\nB"\nbad,wizard,C\n')).toThrow(
      /^Record 2: role: .+ \(line 4\)$/,
    );
  });
});
