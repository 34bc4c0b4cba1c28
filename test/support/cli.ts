import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, vi } from 'vitest';
import type { Dialect } from '../../src/db/database.ts';
import { runCli } from '../../src/main/cli.ts';
import { createPgDatabaseUrl } from './db.ts';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/certops.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `certops` binary in a child process, as a user would (standard input, exit code). */
export function runCertops(
  args: string[],
  options: { stdin?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, CERTOPS_LOG_LEVEL: 'silent', ...options.env };
    for (const k of ['DATABASE_URL', 'CERTOPS_CONFIG', 'CERTOPS_DATA_DIR'])
      if (!options.env?.[k]) delete env[k];
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** Runs the CLI in this process (fast) and captures what it prints. */
export async function runCliCaptured(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  try {
    const code = await runCli(args);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

/** A `--database` value for a fresh database of the dialect (SQLite: a file in `dir`). */
export async function createCliDatabase(
  dialect: Dialect,
  dir: string,
  name = 'certops.db',
): Promise<{ database: string; drop(): Promise<void> }> {
  if (dialect === 'postgres') {
    const pg = await createPgDatabaseUrl();
    return { database: pg.url, drop: pg.drop };
  }
  return { database: `sqlite:${path.join(dir, name)}`, drop: async () => {} };
}

/**
 * Sets CERTOPS_LANGUAGE for a test file's commands (in-process and spawned), restored after it: a
 * file whose assertions read one language's output says which.
 */
export function useCliLanguage(lang: 'en' | 'zh-CN'): void {
  let before: string | undefined;
  beforeAll(() => {
    before = process.env.CERTOPS_LANGUAGE;
    process.env.CERTOPS_LANGUAGE = lang;
  });
  afterAll(() => {
    if (before === undefined) delete process.env.CERTOPS_LANGUAGE;
    else process.env.CERTOPS_LANGUAGE = before;
  });
}
