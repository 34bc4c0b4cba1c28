import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/certops.js');

interface LogLine {
  msg: string;
  port?: number;
}

describe('certops serve as a process', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'certops-serve-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts on a free port, prints the one-time admin password once, answers, and stops cleanly on SIGTERM', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, CERTOPS_DATA_DIR: dir, CERTOPS_LOG_LEVEL: 'info' };
    for (const k of ['DATABASE_URL', 'CERTOPS_ADMIN_PASSWORD', 'CERTOPS_CONFIG']) delete env[k];
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    const logs = (): LogLine[] =>
      stderr
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as LogLine);
    await expect
      .poll(() => logs().find((l) => l.msg === 'certops listening'), { timeout: 20_000 })
      .toBeTruthy();
    const port = logs().find((l) => l.msg === 'certops listening')!.port!;

    expect(stdout).toMatch(/^certops: created user admin with one-time password \S{12,}\n$/);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    const home = await fetch(`http://127.0.0.1:${port}/`);
    expect(await home.text()).toContain('<html');

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(logs().map((l) => l.msg)).toEqual(
      expect.arrayContaining(['shutting down: finishing requests', 'stopped']),
    );
  });

  it('refuses a wrong setting with one line naming it', async () => {
    const env = { ...process.env, CERTOPS_DATA_DIR: dir, CERTOPS_PORT: 'eighty' };
    const child = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toBe('certops: config: CERTOPS_PORT: expected a number, got "eighty"\n');
  });
});
