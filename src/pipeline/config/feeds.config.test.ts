import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { corpusPath } from '../../../test/support/corpus.ts';
import { knownParserIds } from '../runtime/runtime.ts';
import { createFeedsSource, loadFeedsConfig, parseFeedsConfig, resolveFeedsFile } from './feeds.config.ts';
import { readdirSync, statSync } from 'node:fs';

const dir = mkdtempSync(path.join(tmpdir(), 'certops-feedscfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function error(data: unknown, parserIds?: string[]): string {
  try {
    parseFeedsConfig(data, { file: 'feeds.yaml', ...(parserIds ? { parserIds } : {}) });
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

describe('feeds configuration', () => {
  it('applies defaults', () => {
    const c = parseFeedsConfig({ feeds: [{ name: 'a', parser: 'p' }] }, { file: 'f' });
    expect(c.byName.get('a')).toMatchObject({
      enabled: true,
      collector: { kind: 'upload' },
      dedup: { windowSeconds: 86400 },
      parserOptions: {},
    });
  });

  it('names the file, the feed and the setting of a mistake, in one line', () => {
    expect(
      error({
        feeds: [
          { name: 'ok', parser: 'p' },
          { name: 'Bad Name', parser: 'p' },
        ],
      }),
    ).toMatch(/^feeds: feeds\.yaml: feeds\[1\] \(Bad Name\)\.name: lower-case/);
    expect(
      error({ feeds: [{ name: 'w', parser: 'p', collector: { kind: 'http', url: 'ftp://x' } }] }),
    ).toMatch(/^feeds: feeds\.yaml: feeds\[0\] \(w\)\.collector\.url: /);
    expect(
      error({
        feeds: [
          { name: 'a', parser: 'p' },
          { name: 'a', parser: 'p' },
        ],
      }),
    ).toBe('feeds: feeds.yaml: feeds[1] (a): name: duplicate feed name');
    expect(error({ feeds: [{ name: 'a', parser: 'nope' }] }, ['shadowserver'])).toBe(
      'feeds: feeds.yaml: feeds[0] (a): parser: unknown parser "nope" (known: shadowserver)',
    );
    expect(error({ feeds: [{ name: 'a', parser: 'p', colector: {} }] })).toMatch(
      /feeds\[0\] \(a\): .*colector/,
    );
    expect(error({ feeds: [{ name: 'm', parser: 'p', collector: { kind: 'mail' } }] })).toMatch(
      /from or subject/,
    );
    expect(error({ feeds: [{ name: 'd', parser: 'p', dedup: { windowSeconds: 0 } }] })).toMatch(
      /dedup\.windowSeconds/,
    );
  });

  it('reads YAML and JSON; a missing file is empty; a broken one is one line', () => {
    const y = path.join(dir, 'feeds.yaml');
    writeFileSync(y, 'feeds:\n  - name: a\n    parser: p\n    collector: { kind: dir, path: drop }\n');
    const c = loadFeedsConfig(y);
    expect(c.feeds[0]!.collector).toMatchObject({ kind: 'dir', path: path.join(dir, 'drop') });
    const j = path.join(dir, 'feeds.json');
    writeFileSync(j, JSON.stringify({ feeds: [{ name: 'b', parser: 'p' }] }));
    expect(loadFeedsConfig(j).names.has('b')).toBe(true);
    expect(loadFeedsConfig(path.join(dir, 'missing.yaml'))).toMatchObject({ exists: false, feeds: [] });
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'feeds: [\n');
    expect(() => loadFeedsConfig(bad)).toThrow(/^feeds: .*bad\.yaml: cannot read: /);
    expect(resolveFeedsFile({ feedsFile: '', dataDir: '/srv/certops' })).toBe('/srv/certops/feeds.yaml');
  });

  it('re-reads the file when it changes', () => {
    const f = path.join(dir, 'live.yaml');
    writeFileSync(f, 'feeds:\n  - name: a\n    parser: p\n');
    const source = createFeedsSource(f);
    expect([...source().names]).toEqual(['a']);
    writeFileSync(f, 'feeds:\n  - name: a\n    parser: p\n  - name: bb\n    parser: p\n');
    expect([...source().names].sort()).toEqual(['a', 'bb']);
  });

  it('docs/feeds.example.yaml is valid and covers every corpus feed', () => {
    const example = path.resolve(import.meta.dirname, '../../../docs/feeds.example.yaml');
    const c = loadFeedsConfig(example, { parserIds: knownParserIds() });
    const corpus = readdirSync(corpusPath('feeds')).filter((d) =>
      statSync(corpusPath('feeds', d)).isDirectory(),
    );
    expect(corpus.length).toBe(16);
    for (const d of corpus) expect(c.names.has(d), d).toBe(true);
  });
});
