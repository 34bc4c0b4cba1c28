import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/app.ts';
import { DIALECTS } from '../../test/support/db.ts';
import { systemActor } from '../core/auth/actor.ts';
import { startMailIntake } from '../mail/intake/mail-intake.runtime.ts';
import { parseFeedsConfig } from '../pipeline/config/feeds.config.ts';
import { createPipelineRuntime } from '../pipeline/runtime/runtime.ts';
import type { MailEnvelope } from '../services/ports/mail-intake.port.ts';
import { createMailFeedRouter } from './compose-mail-feeds.ts';
import { composeMailIntake } from './compose-mail-intake.ts';
import { composePipelineService, feedsSourceOf } from './compose-pipeline.ts';

const FEEDS_YAML = `feeds:
  - name: sinkhole-mail
    parser: test-lines
    provider: Test Sinkhole
    collector:
      kind: mail
      from: '@sinkhole\\.example\\.org$'
      subject: '^Daily report'
      attachment: '\\.csv$'
`;

const ENVELOPE: MailEnvelope = {
  source: 'smtp',
  mailFrom: 'reports@sinkhole.example.org',
  rcptTo: ['report@cert.example.cn'],
  branchCode: 'CN-NATIONAL',
  remoteIp: '127.0.0.1',
  helo: 'mx.sinkhole.example.org',
};

const CSV =
  '# time,src,dst,port,malware\n' +
  '2026-11-01T01:00:00Z,10.0.0.1,203.0.113.1,80,conficker\n' +
  '2026-11-01T02:00:00Z,10.0.0.2,203.0.113.1,80,conficker\n' +
  '2026-11-01T03:00:00Z,10.0.0.3,203.0.113.2,443,zeus\n';

let seq = 0;
/** A multipart message with base64 attachments. */
function eml(opts: {
  from: string;
  subject: string;
  attachments: { name: string; type: string; content: Buffer | string }[];
}): Buffer {
  seq += 1;
  const boundary = `b-${seq}`;
  const parts = [
    `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nAttached: your daily report.\r\n`,
    ...opts.attachments.map(
      (a) =>
        `--${boundary}\r\nContent-Type: ${a.type}; name="${a.name}"\r\nContent-Disposition: attachment; filename="${a.name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from(
          a.content,
        )
          .toString('base64')
          .replace(/.{76}/g, '$&\r\n')}\r\n`,
    ),
  ];
  return Buffer.from(
    [
      `From: ${opts.from}`,
      'To: report@cert.example.cn',
      `Subject: ${opts.subject}`,
      `Message-ID: <feed-${seq}-${Date.now()}@example.org>`,
      'Date: Sun, 01 Nov 2026 06:00:00 +0000',
      'MIME-Version: 1.0',
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      '',
      parts.join('') + `--${boundary}--\r\n`,
    ].join('\r\n'),
  );
}

describe.each(DIALECTS)('feed mail routed from the intake to the pipeline (%s)', (dialect) => {
  let h: TestApp;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'certops-mail-feeds-'));
    writeFileSync(path.join(dir, 'feeds.yaml'), FEEDS_YAML);
    h = await createTestApp(dialect, {
      config: {
        feedsFile: path.join(dir, 'feeds.yaml'),
        mail: { domain: 'cert.example.cn', from: 'certops@cert.example.cn' },
      },
    });
  });
  afterAll(async () => {
    await h.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const countReports = async () =>
    Number(
      (
        await h.database.db
          .selectFrom('reports')
          .select((e) => e.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const countRaw = async () =>
    Number(
      (
        await h.database.db
          .selectFrom('raw_reports')
          .select((e) => e.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const rawBytes = async (id: number) => {
    const out: Buffer[] = [];
    for await (const c of h.services.pipeline.readRawContent(id)) out.push(c);
    return Buffer.concat(out);
  };

  it('stores the accepted attachment of matching mail as a raw report, makes no incident report, and the pipeline derives events', async () => {
    const reportsBefore = await countReports();
    const r = await h.services.mailIntake.ingest(
      ENVELOPE,
      eml({
        from: 'Sinkhole Reports <reports@sinkhole.example.org>',
        subject: 'Daily report 2026-11-01',
        attachments: [
          { name: '2026-11-01-sinkhole.csv', type: 'text/csv', content: CSV },
          { name: 'logo.png', type: 'image/png', content: Buffer.from([0x89, 0x50, 0x4e, 0x47]) },
        ],
      }),
    );
    expect(r).toMatchObject({ state: 'processed', outcome: 'feed', incidentId: null, reportIds: [] });
    expect(r.rawReportIds).toHaveLength(1);
    const rawId = r.rawReportIds![0]!;
    expect(r.error).toBe(`feed sinkhole-mail: raw report ${rawId} (2026-11-01-sinkhole.csv)`);
    expect(r.ack).toBe('suppressed');
    expect(await countReports()).toBe(reportsBefore);

    const raw = await h.services.pipeline.getRawReport(rawId);
    expect(raw).toMatchObject({
      feed: 'sinkhole-mail',
      fileName: '2026-11-01-sinkhole.csv',
      source: 'mail',
      state: 'pending',
    });
    expect((await rawBytes(rawId)).equals(Buffer.from(CSV))).toBe(true);

    const stored = await h.database.db
      .selectFrom('mail_messages')
      .select(['state', 'outcome', 'error', 'report_ids'])
      .where('id', '=', r.id)
      .executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ state: 'processed', outcome: 'feed', error: r.error });

    const runtime = createPipelineRuntime({
      services: h.services,
      feeds: feedsSourceOf(h.config),
      experts: 'none',
      rules: false,
    });
    const outcomes = await runtime.createWorker().drain();
    expect(outcomes.length).toBeGreaterThanOrEqual(1);
    expect((await h.services.pipeline.getRawReport(rawId)).state).toBe('done');
    const events = await h.database.db
      .selectFrom('events')
      .select(['source_ip', 'destination_ip', 'feed'])
      .orderBy('source_ip')
      .execute();
    expect(events.map((e) => [e.source_ip, e.destination_ip, e.feed])).toEqual([
      ['10.0.0.1', '203.0.113.1', 'sinkhole-mail'],
      ['10.0.0.2', '203.0.113.1', 'sinkhole-mail'],
      ['10.0.0.3', '203.0.113.2', 'sinkhole-mail'],
    ]);
  });

  it('mail that matches no feed, or whose attachments the feed does not accept, becomes a normal report', async () => {
    const rawBefore = await countRaw();
    const other = await h.services.mailIntake.ingest(
      { ...ENVELOPE, mailFrom: 'someone@example.com' },
      eml({
        from: 'someone@example.com',
        subject: 'Daily report 2026-11-01',
        attachments: [{ name: 'list.csv', type: 'text/csv', content: CSV }],
      }),
    );
    expect(other).toMatchObject({ state: 'processed', outcome: 'report' });
    expect(other.reportIds).toHaveLength(1);
    expect(other.incidentId).not.toBeNull();

    const noCsv = await h.services.mailIntake.ingest(
      ENVELOPE,
      eml({
        from: 'reports@sinkhole.example.org',
        subject: 'Daily report 2026-11-02',
        attachments: [{ name: 'logo.png', type: 'image/png', content: Buffer.from([1, 2, 3]) }],
      }),
    );
    expect(noCsv).toMatchObject({ state: 'processed', outcome: 'report' });
    expect(await countRaw()).toBe(rawBefore);
  });

  it('a retry or restart does not store the attachment twice', async () => {
    const csv = CSV.replace('10.0.0.3', '10.0.0.9');
    const message = eml({
      from: 'reports@sinkhole.example.org',
      subject: 'Daily report 2026-11-03',
      attachments: [{ name: '2026-11-03-sinkhole.csv', type: 'text/csv', content: csv }],
    });
    // A processor that stored the raw report and died before marking the message processed.
    const { id } = await h.services.mailIntake.receive(ENVELOPE, message);
    const router = createMailFeedRouter({
      feeds: feedsSourceOf(h.config),
      pipeline: composePipelineService(h.database, h.config, h.clock),
    });
    const first = await router({
      from: 'reports@sinkhole.example.org',
      subject: 'Daily report 2026-11-03',
      attachments: [
        { fileName: '2026-11-03-sinkhole.csv', contentType: 'text/csv', content: Buffer.from(csv) },
      ],
    });
    expect(first).toMatchObject([{ feed: 'sinkhole-mail', duplicate: false }]);
    const rawAfterFirst = await countRaw();

    const r = await h.services.mailIntake.processNext();
    expect(r).toMatchObject({
      id,
      state: 'processed',
      outcome: 'feed',
      rawReportIds: [first[0]!.rawReportId],
    });
    expect(r!.error).toContain('known');
    expect(await countRaw()).toBe(rawAfterFirst);

    // The same mail delivered again (another Message-ID): the same raw report, nothing new.
    const again = await h.services.mailIntake.ingest(
      ENVELOPE,
      eml({
        from: 'reports@sinkhole.example.org',
        subject: 'Daily report 2026-11-03',
        attachments: [{ name: '2026-11-03-sinkhole.csv', type: 'text/csv', content: csv }],
      }),
    );
    expect(again).toMatchObject({ outcome: 'feed', rawReportIds: [first[0]!.rawReportId] });
    expect(await countRaw()).toBe(rawAfterFirst);
  });

  it('feed mail received over SMTP is routed the same way', async () => {
    const silent = { info: () => {}, warn: () => {}, error: () => {} };
    const running = await startMailIntake({
      config: h.config,
      mailIntake: h.services.mailIntake,
      logger: silent,
      port: 0,
    });
    try {
      const csv = CSV.replace('10.0.0.1', '10.0.0.42');
      const t = nodemailer.createTransport({
        host: '127.0.0.1',
        port: running.smtp.port,
        secure: false,
        ignoreTLS: true,
      });
      const sent = await t.sendMail({
        from: 'Sinkhole Reports <reports@sinkhole.example.org>',
        to: 'report@cert.example.cn',
        subject: 'Daily report 2026-11-04',
        text: 'Attached.',
        attachments: [{ filename: '2026-11-04-sinkhole.csv', content: csv, contentType: 'text/csv' }],
      });
      t.close();
      const id = Number(/stored as message (\d+)/.exec(sent.response)![1]);
      await running.processor.idle();
      const list = await h.services.mailIntake.list(systemActor('test'));
      const msg = list.find((m) => m.id === id)!;
      expect(msg).toMatchObject({ state: 'processed', outcome: 'feed', incidentId: null, reportIds: [] });
      const rawId = Number(/raw report (\d+)/.exec(msg.error)![1]);
      const raw = await h.services.pipeline.getRawReport(rawId);
      expect(raw).toMatchObject({
        feed: 'sinkhole-mail',
        fileName: '2026-11-04-sinkhole.csv',
        source: 'mail',
      });
      expect((await rawBytes(rawId)).toString('utf8')).toBe(csv);
    } finally {
      await running.close();
    }
  });

  it('a message whose attachment cannot be stored fails with the reason and is routed on retry', async () => {
    // A feeds file naming a feed the pipeline does not know (edited between two reads): storing fails.
    const ghost = parseFeedsConfig(
      {
        feeds: [
          { name: 'ghost', parser: 'test-lines', collector: { kind: 'mail', subject: '^Daily report' } },
        ],
      },
      { file: 'ghost.yaml' },
    );
    const failing = composeMailIntake(
      h.database.db,
      h.config,
      h.clock,
      null,
      createMailFeedRouter({
        feeds: () => ghost,
        pipeline: composePipelineService(h.database, h.config, h.clock),
      }),
    );
    const rawBefore = await countRaw();
    const csv = CSV.replace('10.0.0.2', '10.0.0.77');
    const r = await failing.ingest(
      ENVELOPE,
      eml({
        from: 'reports@sinkhole.example.org',
        subject: 'Daily report 2026-11-05',
        attachments: [{ name: '2026-11-05-sinkhole.csv', type: 'text/csv', content: csv }],
      }),
    );
    expect(r.state).toBe('failed');
    expect(r.error).toMatch(/^not_found: .*ghost/);
    expect(await countRaw()).toBe(rawBefore);

    const again = await h.services.mailIntake.retry(systemActor('test'), r.id);
    expect(again).toMatchObject({ state: 'processed', outcome: 'feed' });
    expect(again.rawReportIds).toHaveLength(1);
    expect(await countRaw()).toBe(rawBefore + 1);
    expect((await rawBytes(again.rawReportIds![0]!)).toString('utf8')).toBe(csv);
  });
});
