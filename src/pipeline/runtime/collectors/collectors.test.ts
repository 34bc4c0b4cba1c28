import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../core/shared/clock.ts';
import { createAuditRepository } from '../../../db/repositories/audit.repository.ts';
import { createPipelineRepository } from '../../../db/repositories/pipeline.repository.ts';
import { createPipelineService, type PipelineService } from '../../../services/pipeline.service.ts';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../../../test/support/db.ts';
import { parseFeedsConfig } from '../../config/feeds.config.ts';
import { createDirCollector } from './dir.collector.ts';
import { fetchHttpFeed } from './http.collector.ts';
import { acceptsAttachment, matchMailFeeds } from './mail.collector.ts';

describe.each(DIALECTS)('collectors (%s)', (dialect) => {
  let t: TestDatabase;
  let pipeline: PipelineService;
  let dir: string;

  beforeEach(async () => {
    t = await createTestDatabase(dialect);
    pipeline = createPipelineService({
      store: createPipelineRepository(t),
      audit: createAuditRepository(t.db),
      clock: systemClock,
    });
    dir = mkdtempSync(path.join(tmpdir(), 'certops-collect-'));
  });
  afterEach(async () => {
    await t.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('HTTP: conditional GET with the stored ETag / Last-Modified; 304 stores nothing', async () => {
    const seen: { inm?: string; ims?: string }[] = [];
    let body = 'a,b\n1,2\n';
    const server: Server = createServer((req, res) => {
      seen.push({ inm: req.headers['if-none-match'], ims: req.headers['if-modified-since'] } as never);
      const etag = `"${body.length}"`;
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304).end();
        return;
      }
      res.writeHead(200, {
        etag,
        'last-modified': 'Sat, 01 Nov 2026 00:00:00 GMT',
        'content-type': 'text/csv',
      });
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const feeds = parseFeedsConfig(
        {
          feeds: [
            {
              name: 'web',
              parser: 'x',
              collector: { kind: 'http', url: `http://127.0.0.1:${port}/feed/today.csv` },
            },
          ],
        },
        { file: path.join(dir, 'feeds.yaml') },
      );
      const feed = feeds.byName.get('web')!;
      const first = await fetchHttpFeed(feed, pipeline);
      expect(first).toMatchObject({ status: 'stored', bytes: body.length });
      expect(seen[0]).toEqual({ inm: undefined, ims: undefined });
      const state = await pipeline.getFeedState('web');
      expect(state).toMatchObject({
        etag: `"${body.length}"`,
        lastModified: 'Sat, 01 Nov 2026 00:00:00 GMT',
        lastStatus: 'ok',
      });
      const second = await fetchHttpFeed(feed, pipeline);
      expect(second).toEqual({ status: 'not_modified' });
      expect(seen[1]).toEqual({ inm: `"${body.length}"`, ims: 'Sat, 01 Nov 2026 00:00:00 GMT' });
      expect((await pipeline.getFeedState('web'))!.lastStatus).toBe('not_modified');
      body = 'a,b\n1,2\n3,4\n';
      const third = await fetchHttpFeed(feed, pipeline);
      expect(third.status).toBe('stored');
      const reports = await pipeline.listRawReports({ limit: 10 });
      expect(reports.map((r) => [r.fileName, r.source, r.bytes])).toEqual([
        ['today.csv', 'http', 12],
        ['today.csv', 'http', 8],
      ]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('HTTP: an unreachable server or an error status is recorded, not thrown', async () => {
    const feeds = parseFeedsConfig(
      { feeds: [{ name: 'web', parser: 'x', collector: { kind: 'http', url: 'http://127.0.0.1:9/x.csv' } }] },
      { file: 'f.yaml' },
    );
    const o = await fetchHttpFeed(feeds.byName.get('web')!, pipeline, { timeoutMs: 2000 });
    expect(o.status).toBe('error');
    expect((await pipeline.getFeedState('web'))!.lastStatus).toBe('error');
  });

  it('drop directory: stores settled files once, moves them to done/, skips partial and repeated files', async () => {
    const drop = path.join(dir, 'drop');
    mkdirSync(drop);
    const feeds = parseFeedsConfig(
      {
        feeds: [
          { name: 'dropped', parser: 'x', collector: { kind: 'dir', path: 'drop', pattern: '\\.csv$' } },
        ],
      },
      { file: path.join(dir, 'feeds.yaml') },
    );
    const old = new Date(Date.now() - 60_000);
    const put = (name: string, content: string, settled = true) => {
      writeFileSync(path.join(drop, name), content);
      if (settled) utimesSync(path.join(drop, name), old, old);
    };
    put('a.csv', 'one\n');
    put('b.csv.part', 'partial\n');
    put('c.txt', 'not matching\n');
    put('d.csv', 'fresh\n', false);
    const c = createDirCollector(feeds.byName.get('dropped')!, pipeline, { settleMs: 5000 });
    const r1 = await c.scan();
    expect(r1.stored.map((s) => s.file)).toEqual(['a.csv']);
    expect(existsSync(path.join(drop, 'done', 'a.csv'))).toBe(true);
    expect(existsSync(path.join(drop, 'd.csv'))).toBe(true);
    put('e.csv', 'one\n'); // same content as a.csv
    const r2 = await c.scan();
    expect(r2.duplicates).toEqual(['e.csv']);
    expect((await pipeline.listRawReports({ limit: 10 })).map((r) => [r.fileName, r.source])).toEqual([
      ['a.csv', 'dir'],
    ]);
  });

  it('mail: routes by sender and subject, picks attachments', () => {
    const feeds = parseFeedsConfig(
      {
        feeds: [
          {
            name: 'ss',
            parser: 'x',
            collector: {
              kind: 'mail',
              from: '@shadowserver\\.org$',
              subject: 'report',
              attachment: '\\.csv$',
            },
          },
          { name: 'spamhaus', parser: 'x', collector: { kind: 'mail', subject: '^\\[Spamhaus CERT\\]' } },
          { name: 'off', parser: 'x', enabled: false, collector: { kind: 'mail', subject: '.' } },
        ],
      },
      { file: 'f.yaml' },
    );
    expect(
      matchMailFeeds(feeds, { from: 'autoreports@shadowserver.org', subject: 'Daily Report' }).map(
        (f) => f.name,
      ),
    ).toEqual(['ss']);
    expect(
      matchMailFeeds(feeds, { from: 'x@spamhaus.org', subject: '[Spamhaus CERT] AS4134' }).map((f) => f.name),
    ).toEqual(['spamhaus']);
    expect(matchMailFeeds(feeds, { from: 'someone@example.com', subject: 'hello' })).toEqual([]);
    expect(acceptsAttachment(feeds.byName.get('ss')!, '2026-11-01-event4_sinkhole.csv')).toBe(true);
    expect(acceptsAttachment(feeds.byName.get('ss')!, 'logo.png')).toBe(false);
  });
});
