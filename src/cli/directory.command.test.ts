import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliDatabase, runCliCaptured, useCliLanguage } from '../../test/support/cli.ts';
import { DIALECTS } from '../../test/support/db.ts';

// these tests read the English output; src/cli/messages.test.ts reads the Chinese
useCliLanguage('en');

const cli = runCliCaptured;

describe.each(DIALECTS)('certops directory on %s', (dialect) => {
  let dir: string;
  let database: string;
  let drop: () => Promise<void> = async () => {};

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'certops-dircli-'));
    ({ database, drop } = await createCliDatabase(dialect, dir));
  });
  afterAll(async () => {
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('seeds, then imports a CSV keeping rows 2-3 and naming line 4 and its column', async () => {
    // Seeding is idempotent (the CLI also seeds before every command, as `serve` does on start).
    expect((await cli(['--database', database, 'directory', 'seed'])).code).toBe(0);
    const again = await cli(['--database', database, 'directory', 'seed']);
    expect(again).toMatchObject({ code: 0, out: 'branches inserted: 0, organisations inserted: 0\n' });
    const certs = await cli(['--database', database, 'directory', 'list', '--kind', 'cert']);
    expect(certs.out.trim().split('\n').at(-1)).toBe('57 organisations');
    expect(certs.out).toContain('CNCERT/CC');

    const csv = file(
      'orgs.csv',
      [
        'kind,name_zh,name_en,abbreviation,branch,networks,asns,domains,abuse_email,abuse_phone',
        'isp,新疆测试网络,XJ Test Net,XJT,新疆,"10.10.0.0/16; 10.10.1.0/24",AS64501,xjt.example,abuse@xjt.example,',
        'hosting,北京测试托管,,BJH,BEIJING SHI,,,bjh.example;cdn.bjh.example,,+86 10 5555',
        'registrar,坏行注册商,,BAD,CN-BJ,,,,not-an-email,',
        'vendor,之后的厂商,,AFTER,,,,,,',
      ].join('\n'),
    );
    const r = await cli(['--database', database, 'directory', 'import', csv]);
    expect(r.code).not.toBe(0);
    expect(r.out).toBe('organisations: 3 created, 0 updated, 1 rejected\n');
    expect(r.err).toContain('line 4: abuse_email: expected an e-mail address');
    expect(r.err.trim().split('\n').at(-1)).toBe(
      'certops: 1 row rejected, first line 4: abuse_email: expected an e-mail address (the other rows are imported)',
    );

    const list = await cli(['--database', database, 'directory', 'list', '--json']);
    expect(list.code).toBe(0);
    const orgs = JSON.parse(list.out) as { abbreviation: string; branchCode: string | null; kind: string }[];
    expect(orgs).toHaveLength(85 + 3);
    const byAbbr = new Map(orgs.map((o) => [o.abbreviation, o]));
    expect(byAbbr.get('XJT')).toMatchObject({ kind: 'isp', branchCode: 'CN-XJ' });
    expect(byAbbr.get('BJH')).toMatchObject({ kind: 'hosting', branchCode: 'CN-BJ' });
    expect(byAbbr.has('AFTER')).toBe(true);
    expect(byAbbr.has('BAD')).toBe(false);

    const isps = await cli(['--database', database, 'directory', 'list', '--kind', 'isp']);
    expect(isps.out).toContain('XJT');
    expect(isps.out).not.toContain('BJH');
    expect(isps.out.trim().split('\n').at(-1)).toBe('2 organisations'); // XJT and 四川电信 (a support unit)

    const bad = await cli(['--database', database, 'directory', 'list', '--kind', 'bank']);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/^certops: invalid input: kind: expected one of cert, isp/);
  });

  it('imports JSON with snake_case or camelCase keys and reports items by number', async () => {
    const json = file(
      'orgs.json',
      JSON.stringify({
        organisations: [
          {
            kind: 'cert',
            abbreviation: 'DEMO-CERT',
            name_en: 'Demo CERT',
            contacts: [{ role: 'abuse', email: 'cert@demo.example' }],
            networks: ['2001:db8:100::/48'],
          },
          { kind: 'isp', nameZh: '坏条目', asns: ['ASX'] },
        ],
      }),
    );
    const r = await cli(['--database', database, 'directory', 'import', json]);
    expect(r.code).not.toBe(0);
    expect(r.out).toBe('organisations: 1 created, 0 updated, 1 rejected\n');
    expect(r.err).toContain('item 2: asns.0: "ASX" is not an AS number');
    const again = await cli(['--database', database, 'directory', 'import', '--json', json]);
    expect(JSON.parse(again.out.trim())).toMatchObject({ created: 0, updated: 1 });
  });

  it('loads a branch list with --branches and refuses unknown columns and files', async () => {
    const csv = file(
      'branches.csv',
      'code,name_zh,short_zh,name_en,aliases\nCN-TW,台湾省,台湾,Taiwan,Taiwan Sheng\nCN-XJ,新疆维吾尔自治区,新疆,Xinjiang,Sinkiang;Xinjiang Uyghur Autonomous Region\n',
    );
    const r = await cli(['--database', database, 'directory', 'import', '--branches', csv]);
    expect(r).toMatchObject({ code: 0, out: 'branches: 1 created, 1 updated, 0 rejected\n' });

    const org = file('sinkiang.csv', 'kind,name_zh,branch\nisp,新疆另一家,SINKIANG\n');
    expect((await cli(['--database', database, 'directory', 'import', org])).code).toBe(0);

    const typo = file('typo.csv', 'kind,name_zh,abuse_mail\nisp,X,a@b.cn\n');
    const t = await cli(['--database', database, 'directory', 'import', typo]);
    expect(t.code).not.toBe(0);
    expect(t.err).toBe('certops: line 1: unknown column: abuse_mail\n');

    const missing = await cli(['--database', database, 'directory', 'import', path.join(dir, 'nope.csv')]);
    expect(missing.err).toMatch(/nope\.csv: no such file/);
    const txt = await cli(['--database', database, 'directory', 'import', file('x.txt', '')]);
    expect(txt.err).toMatch(/expected a \.csv or \.json file/);
  });

  it('loads another country’s branch list into a fresh database instead of the default provinces', async () => {
    const { database: fresh, drop: dropFresh } = await createCliDatabase(dialect, dir, 'fresh.db');
    try {
      const list = file(
        'de-branches.json',
        JSON.stringify({
          national_centre: { code: 'DE-NATIONAL', name_zh: '德国国家中心', name_en: 'CERT-Bund' },
          branches: [
            { code: 'DE-BY', name_zh: '巴伐利亚', name_en: 'Bavaria', aliases: ['Bayern'] },
            { code: 'DE-BE', name_zh: '柏林', name_en: 'Berlin' },
          ],
        }),
      );
      const r = await cli(['--database', fresh, 'directory', 'import', '--branches', '--json', list]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out.trim())).toMatchObject({ created: 3, updated: 0 });
      // a later command seeds nothing: the table is no longer empty, and there is no CN-NATIONAL
      const after = await cli(['--database', fresh, 'directory', 'list', '--json']);
      expect(after.code).toBe(0);
      expect(JSON.parse(after.out.trim())).toEqual([]);
      const seed = await cli(['--database', fresh, 'directory', 'seed']);
      expect(seed.out).toBe('branches inserted: 0, organisations inserted: 0\n');
    } finally {
      await dropFresh();
    }
  });
});
