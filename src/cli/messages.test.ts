import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliDatabase, runCliCaptured, useCliLanguage } from '../../test/support/cli.ts';
import { cliErrorText } from './help.ts';

// the default language: what a user of a fresh installation reads
useCliLanguage('zh-CN');

describe('what the commands print, in Chinese (the default language)', () => {
  let dir: string;
  let database: string;
  let drop: () => Promise<void> = async () => {};
  const cli = (...args: string[]) => runCliCaptured(['--database', database, ...args]);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'certops-msgcli-'));
    ({ database, drop } = await createCliDatabase('sqlite', dir));
  });
  afterAll(async () => {
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints summaries and status lines in Chinese', async () => {
    expect((await cli('migrate')).out).toMatch(/^已应用：0001_create_base, /);
    expect(await cli('migrate')).toMatchObject({ code: 0, out: '数据库结构已是最新\n' });
    expect(await cli('directory', 'seed')).toMatchObject({
      code: 0,
      out: '已插入分中心 32 个，组织 85 个\n',
    });
    const certs = await cli('directory', 'list', '--kind', 'cert');
    expect(certs.out.trim().split('\n').at(-1)).toBe('共 57 个组织');
    const families = await cli('malware', 'list');
    expect(families.out.trim().split('\n').at(-1)).toMatch(/^共 \d+ 个家族$/);
    expect(await cli('mail', 'outbox')).toMatchObject({ code: 0, out: '共 0 封邮件\n' });
    expect((await cli('user', 'add', 'zhao.lei', '--role', 'analyst')).code).toBe(0);
    expect(await cli('user', 'disable', 'zhao.lei')).toMatchObject({ code: 0, out: '已停用用户 zhao.lei\n' });
    expect(await cli('user', 'enable', 'zhao.lei')).toMatchObject({ code: 0, out: '已启用用户 zhao.lei\n' });
    const empty = path.join(dir, 'empty.eml');
    writeFileSync(empty, '');
    const imported = await cli('import', 'mail', empty);
    expect(imported.out).toBe('已导入 1 封邮件：报告 0，事件回复 0，重复 0，格式错误 0，失败 1，过大 0\n');
    expect(imported.code).toBe(2);
    expect(imported.err).toBe(`${empty}：空邮件，已跳过\ncertops: 1 封邮件中有 1 封无法处理\n`);
    const run = await cli('notify', 'run', '--dry-run');
    expect(run).toMatchObject({ code: 0, out: '邮件 0 封，屏蔽 0 个，等待 0 个（演练，未做更改）\n' });
  });

  it("says the commands' own input errors in Chinese, one line and a non-zero exit", async () => {
    const limit = await cli('mail', 'list', '--limit', 'lots');
    expect(limit.code).toBe(2);
    expect(limit.err).toBe('certops: --limit：应为 1-500 之间的整数，实际为 "lots"\n');
    const state = await cli('mail', 'list', '--state', 'lost');
    expect(state.code).toBe(2);
    expect(state.err).toMatch(/^certops: --state：应为以下之一：received, .*，实际为 "lost"\n$/);
    const missing = await cli('import', 'mail', path.join(dir, 'nothing.eml'));
    expect(missing.code).toBe(2);
    expect(missing.err).toBe(`certops: ${path.join(dir, 'nothing.eml')}：文件或目录不存在\n`);
  });

  it('keeps messages it has no Chinese for as they are, and English as English', () => {
    expect(cliErrorText('zh-CN', 'user zhao.lei not found')).toBe('user zhao.lei not found');
    expect(cliErrorText('en', '--limit: expected a whole number 1-500, got "x"')).toBe(
      '--limit: expected a whole number 1-500, got "x"',
    );
    expect(cliErrorText('zh-CN', '--limit: expected one of a, b')).toBe('--limit：应为以下之一：a, b');
    expect(cliErrorText('zh-CN', 'x.csv: no such file')).toBe('x.csv：文件不存在');
  });
});
