import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findRangeV6, loadAsnV4, loadAsnV6 } from './asn-data.ts';
import { findRange } from './geo-data.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'certops-asn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

describe('ASN CSV loader', () => {
  it('reads integer ranges, plain, quoted and escaped names, CRLF and a missing last newline', () => {
    const t = loadAsnV4(
      file(
        'v4.csv',
        '16777216,16777471,13335,"Cloudflare, Inc."\r\n' +
          '35309568,35313663,201907,"LLC ""SPUTNIK"""\n' +
          '134744064,134744319,15169,Google LLC\n' +
          '3405803520,3405803775,4134,中国电信',
      ),
    );
    expect(Array.from(t.asns)).toEqual([13335, 201907, 15169, 4134]);
    const at = (ip: number) => {
      const i = findRange(t.starts, t.ends, ip);
      return i === -1 ? null : [t.asns[i], t.nameOf(i)];
    };
    expect(at(16777300)).toEqual([13335, 'Cloudflare, Inc.']);
    expect(at(35309570)).toEqual([201907, 'LLC "SPUTNIK"']);
    expect(at(0x08080808)).toEqual([15169, 'Google LLC']);
    expect(at(3405803520)).toEqual([4134, '中国电信']);
    expect(at(16777472)).toBeNull();
    expect(at(0)).toBeNull();
  });

  it('lets the later range win where two overlap, keeping the search correct', () => {
    const t = loadAsnV4(file('overlap.csv', '100,200,1,wide\n150,160,2,narrow\n300,400,3,next\n'));
    const asnAt = (ip: number) => {
      const i = findRange(t.starts, t.ends, ip);
      return i === -1 ? null : t.asns[i];
    };
    expect([asnAt(100), asnAt(149), asnAt(150), asnAt(160), asnAt(161), asnAt(350)]).toEqual([
      1,
      1,
      2,
      2,
      null,
      3,
    ]);
  });

  it('refuses an unsorted file', () => {
    expect(() => loadAsnV4(file('unsorted.csv', '300,400,3,b\n100,200,1,a\n'))).toThrow(/not sorted/);
  });

  it('reads 128-bit IPv6 ranges', () => {
    const start = 0x20010db8n << 96n;
    const end = start + (1n << 96n) - 1n;
    const t = loadAsnV6(file('v6.csv', `1,255,64496,Low\n${start},${end},64500,"Doc, Net"\n`));
    const at = (v: bigint) => {
      const i = findRangeV6(t, v >> 64n, v & ((1n << 64n) - 1n));
      return i === -1 ? null : [t.asns[i], t.nameOf(i)];
    };
    expect(at(start + 5n)).toEqual([64500, 'Doc, Net']);
    expect(at(end)).toEqual([64500, 'Doc, Net']);
    expect(at(end + 1n)).toBeNull();
    expect(at(7n)).toEqual([64496, 'Low']);
    expect(at(0n)).toBeNull();
  });
});
