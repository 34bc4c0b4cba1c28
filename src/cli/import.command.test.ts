import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/support/db.ts';
import { createCliDatabase, runCertops } from '../../test/support/cli.ts';

const CSV = [
  'external_id,incident,received_at,category,subject,description,state,branch,resolved_at,action_kind,action_branch',
  'A-1,P1,2007-01-05 09:00,phishing,仿冒 PNC bank,"hxxp://pnc-login[.]example[.]com, 203.0.113.9",resolved,新疆,2007-01-20,request_domain_suspension,CN-BJ',
  'A-2,P1,2007-01-06 10:00,phishing,second report,same site,,,,,',
  'A-3,,2007-02-10,spam,spam run,"from 198.51.100.2",new,SHANGHAI SHI,,,',
  'A-4,,2007-02-31,spam,bad day,x,new,CN-BJ,,,',
  'A-5,,2007-03-01,spam,after the bad line,x,new,CN-BJ,,,',
].join('\n');

describe.each(DIALECTS)('certops import reports + stats incidents on %s', (dialect) => {
  let dir: string;
  let database: string;
  let drop: () => Promise<void> = async () => {};

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'certops-import-cli-'));
    ({ database, drop } = await createCliDatabase(dialect, dir));
    writeFileSync(path.join(dir, 'history.csv'), CSV);
  });
  afterAll(async () => {
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops at the malformed line with one line naming it, keeps what came before, and counts it', async () => {
    const imp = await runCertops([
      '--database',
      database,
      'import',
      'reports',
      path.join(dir, 'history.csv'),
    ]);
    expect(imp.code).toBe(2);
    expect(imp.stdout).toMatch(/^imported 3 reports into 2 incidents with 1 actions/);
    expect(imp.stderr.trim().split('\n')).toEqual([
      'certops: line 5: received_at: "2007-02-31" is not a timestamp (ISO 8601, or YYYY-MM-DD[ HH:MM[:SS]] local time) (stopped; the 3 reports before it are stored)',
    ]);

    const stats = await runCertops([
      '--database',
      database,
      'stats',
      'incidents',
      '--from',
      '2007-01-01',
      '--to',
      '2007-06-30',
      '--json',
    ]);
    expect(stats.code).toBe(0);
    const s = JSON.parse(stats.stdout);
    expect(s.reportsReceivedNonScanning).toBe(3);
    expect(s.reportsPerMonth.slice(0, 3)).toEqual([
      { month: '2007-01', count: 2 },
      { month: '2007-02', count: 1 },
      { month: '2007-03', count: 0 },
    ]);
    expect(s.incidentsHandled).toBe(1);
    expect(s.branchesHandling.items.map((b: { key: string }) => b.key).sort()).toEqual(['CN-BJ', 'CN-XJ']);

    const text = await runCertops([
      '--database',
      database,
      'stats',
      'incidents',
      '--from',
      '2007-01-01',
      '--to',
      '2007-06-30',
      '--lang',
      'en',
    ]);
    expect(text.stdout).toContain('Non-scanning incident reports received: 3');
    expect(text.stdout).toMatch(/Phishing\s+2\s+66\.7%/);
    const zh = await runCertops([
      '--database',
      database,
      'stats',
      'incidents',
      '--from',
      '2007-01-01',
      '--to',
      '2007-06-30',
    ]);
    expect(zh.stdout).toContain('接收非扫描类网络安全事件报告: 3');
  });

  it('refuses bad arguments with one line and a non-zero exit', async () => {
    const noFile = await runCertops([
      '--database',
      database,
      'import',
      'reports',
      path.join(dir, 'missing.csv'),
    ]);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toBe(`certops: ${path.join(dir, 'missing.csv')}: no such file\n`);
    const badDay = await runCertops([
      '--database',
      database,
      'stats',
      'incidents',
      '--from',
      '2007-13-01',
      '--to',
      '2007-06-30',
    ]);
    expect(badDay.code).toBe(2);
    expect(badDay.stderr).toBe('certops: from: no such day "2007-13-01"\n');
  });
});
