import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliDatabase, runCertops, runCliCaptured, useCliLanguage } from '../../test/support/cli.ts';
import { DIALECTS } from '../../test/support/db.ts';

// these tests read the English output; src/cli/messages.test.ts reads the Chinese
useCliLanguage('en');

const cli = runCliCaptured;

/** Runs bin/certops.js as a child process (for standard input and the real exit code). */
async function spawnCli(args: string[], stdin: string): Promise<{ code: number; out: string; err: string }> {
  const r = await runCertops(args, { stdin });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

describe.each(DIALECTS)('certops user / token on %s', (dialect) => {
  let dir: string;
  let database: string;
  let drop: () => Promise<void> = async () => {};

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'certops-usercli-'));
    // the CLI seeds the default branches a branch handler needs before its first command
    ({ database, drop } = await createCliDatabase(dialect, dir));
  });
  afterAll(async () => {
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (...args: string[]) => cli(['--database', database, ...args]);

  it('adds users (printing a one-time password), lists and disables them', async () => {
    const added = await run(
      'user',
      'add',
      'wang.wei',
      '--role',
      'branch_handler',
      '--branch',
      'CN-XJ',
      '--email',
      'wang@example.cn',
    );
    expect(added.code).toBe(0);
    expect(added.out).toMatch(
      /^created user wang\.wei \(id \d+, branch_handler\) with one-time password [A-Za-z0-9]{20}\n$/,
    );
    const otp = /one-time password (\S+)/.exec(added.out)![1]!;

    const analyst = await run(
      'user',
      'add',
      'li.na',
      '--role',
      'analyst',
      '--name',
      '李娜',
      '--language',
      'en',
    );
    expect(analyst.code).toBe(0);

    const list = await run('user', 'list', '--json');
    expect(list.code).toBe(0);
    const users = JSON.parse(list.out) as {
      username: string;
      role: string;
      branchCode: string | null;
      disabled: boolean;
      mustChangePassword: boolean;
      displayName: string;
      language: string;
    }[];
    expect(users.find((u) => u.username === 'wang.wei')).toMatchObject({
      role: 'branch_handler',
      branchCode: 'CN-XJ',
      disabled: false,
      mustChangePassword: true,
    });
    expect(users.find((u) => u.username === 'li.na')).toMatchObject({ displayName: '李娜', language: 'en' });
    expect(list.out).not.toMatch(/argon2|passwordHash/);
    expect(otp).not.toBe('');

    const table = await run('user', 'list');
    expect(table.out).toMatch(/wang\.wei\s+branch_handler\s+CN-XJ\s+enabled/);

    const disabled = await run('user', 'disable', 'li.na');
    expect(disabled).toMatchObject({ code: 0, out: 'disabled user li.na\n' });
    const after = JSON.parse((await run('user', 'list', '--json')).out) as {
      username: string;
      disabled: boolean;
    }[];
    expect(after.find((u) => u.username === 'li.na')?.disabled).toBe(true);
  });

  it('refuses bad input with one line on stderr and a non-zero exit', async () => {
    const noBranch = await run('user', 'add', 'zhao.lei', '--role', 'branch_handler');
    expect(noBranch.code).toBe(2);
    expect(noBranch.err).toBe('certops: invalid user: branchCode: required for role branch_handler\n');
    const badRole = await run('user', 'add', 'zhao.lei', '--role', 'wizard');
    expect(badRole.code).toBe(2);
    expect(badRole.err).toMatch(/^certops: invalid user: role: must be one of admin, national_handler/);
    expect(badRole.err.split('\n')).toHaveLength(2);
    const unknownBranch = await run(
      'user',
      'add',
      'zhao.lei',
      '--role',
      'branch_handler',
      '--branch',
      'CN-ZZ',
    );
    expect(unknownBranch.err).toMatch(/unknown branch "CN-ZZ"/);
    const dup = await run('user', 'add', 'wang.wei', '--role', 'analyst');
    expect(dup).toMatchObject({
      code: 2,
      err: 'certops: user "wang.wei" already exists: username: already taken\n',
    });
    const missing = await run('user', 'disable', 'nobody');
    expect(missing).toMatchObject({ code: 2, err: 'certops: user "nobody" not found\n' });
    const badDays = await run(
      'token',
      'create',
      '--user',
      'wang.wei',
      '--name',
      'x',
      '--expires-days',
      'soon',
    );
    expect(badDays).toMatchObject({
      code: 2,
      err: 'certops: --expires-days: expected a whole number 1-999999999, got "soon"\n',
    });
    const badId = await run('token', 'revoke', 'abc');
    expect(badId.code).toBe(2);
  });

  it('creates a token (printed once), refuses one wider than the user, and revokes it', async () => {
    const made = await run(
      'token',
      'create',
      '--user',
      'wang.wei',
      '--name',
      'xj feed',
      '--expires-days',
      '30',
    );
    expect(made.code).toBe(0);
    expect(made.out).toMatch(/^cto_[A-Za-z0-9_-]{43}\n$/);
    expect(made.err).toMatch(
      /token \d+ "xj feed" for wang\.wei \(branch_handler CN-XJ, expires .+\); it is shown only this once/,
    );
    const wider = await run('token', 'create', '--user', 'wang.wei', '--name', 'x', '--role', 'admin');
    expect(wider.code).toBe(2);
    expect(wider.err).toMatch(/^certops: a branch_handler of CN-XJ may not hold a admin token/);
    const otherBranch = await run(
      'token',
      'create',
      '--user',
      'wang.wei',
      '--name',
      'x',
      '--branch',
      'CN-BJ',
    );
    expect(otherBranch.code).toBe(2);

    const listed = JSON.parse((await run('token', 'list', '--user', 'wang.wei', '--json')).out) as {
      id: number;
      name: string;
      prefix: string;
      revokedAt: string | null;
    }[];
    expect(listed).toHaveLength(1);
    expect(listed[0]!.prefix).toBe(made.out.slice(0, 8));
    expect(JSON.stringify(listed)).not.toContain(made.out.trim());

    const revoked = await run('token', 'revoke', String(listed[0]!.id));
    expect(revoked).toMatchObject({ code: 0, out: `revoked token ${listed[0]!.id} "xj feed" of wang.wei\n` });
    const all = JSON.parse((await run('token', 'list', '--all', '--json')).out) as {
      revokedAt: string | null;
    }[];
    expect(all[0]!.revokedAt).not.toBeNull();
    expect(JSON.parse((await run('token', 'list', '--json')).out)).toEqual([]);
    expect((await run('token', 'revoke', '999999')).code).toBe(2);
  });

  it('reads the password from standard input (bin/certops.js as a process)', async () => {
    const r = await spawnCli(
      ['--database', database, 'user', 'add', 'sun.li', '--role', 'analyst', '--password-stdin'],
      'a long enough password\n',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^created user sun\.li \(id \d+, analyst\)\n$/);
    const short = await spawnCli(
      ['--database', database, 'user', 'add', 'zhou.yu', '--role', 'analyst', '--password-stdin'],
      'short\n',
    );
    expect(short.code).toBe(2);
    expect(short.err).toBe('certops: invalid user: password: must be at least 12 characters\n');
  });
});
