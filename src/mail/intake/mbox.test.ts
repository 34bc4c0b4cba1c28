import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readMbox } from './mbox.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'certops-mbox-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function all(file: string, max?: number) {
  const out = [];
  for await (const m of readMbox(file, max))
    out.push('raw' in m ? m.raw.toString('utf8') : `too large: ${m.tooLarge}`);
  return out;
}

describe('readMbox', () => {
  it('splits on From lines and unescapes >From', async () => {
    const file = path.join(dir, 'a.mbox');
    writeFileSync(
      file,
      'From a@example.org Thu Mar  1 08:00:00 2007\nSubject: one\n\nhello\n>From the start\n>>From quoted twice\n\nFrom b@example.org Thu Mar  1 09:00:00 2007\r\nSubject: two\r\n\r\nbye\r\n',
    );
    expect(await all(file)).toEqual([
      'Subject: one\n\nhello\nFrom the start\n>From quoted twice\n',
      'Subject: two\r\n\r\nbye\r\n',
    ]);
  });

  it('streams large files in small chunks and reports oversized messages without keeping them', async () => {
    const file = path.join(dir, 'b.mbox');
    const big = 'x'.repeat(1000) + '\n';
    writeFileSync(file, `From x\nSubject: big\n\n${big.repeat(2000)}\nFrom y\nSubject: small\n\nok\n`);
    const out = await all(file, 100_000);
    expect(out[0]).toMatch(/^too large: \d+$/);
    expect(out[1]).toBe('Subject: small\n\nok\n');
  });

  it('a file without From lines is one message', async () => {
    const file = path.join(dir, 'c.mbox');
    writeFileSync(file, 'Subject: plain\n\nbody\n');
    expect(await all(file)).toEqual(['Subject: plain\n\nbody\n']);
  });
});
