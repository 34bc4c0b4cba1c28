import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIncidentsHarness, type IncidentsHarness } from '../../test/support/incidents.ts';
import { DIALECTS } from '../../test/support/db.ts';
import { createMailRepository } from '../db/repositories/mail.repository.ts';
import { createMailAnalyser } from '../mail/intake/analyser.ts';
import type { MachineReportResult } from '../mail/formats/types.ts';
import {
  autoReplySuppression,
  createMailIntakeService,
  findSubjectReference,
  parseMessageIds,
  type MailAnalyser,
  type MailIntakeOptions,
  type MailIntakeService,
} from './mail-intake.service.ts';
import type { MailEnvelope, MailIntakePort } from './ports/mail-intake.port.ts';
import type { MailSender, OutgoingMessage } from './ports/mail.port.ts';

const OPTIONS: MailIntakeOptions = {
  subjectTag: 'certops',
  ownAddresses: ['report@cert.example.cn', 'certops@cert.example.cn'],
  loopAddress: 'certops@cert.example.cn',
  autoAck: { enabled: true, maxPerHourPerAddress: 3, language: 'auto', machineReports: false },
  publicBaseUrl: 'https://www.cert.example.cn',
  siteName: { 'zh-CN': '测试中心', en: 'Test CERT' },
  defaultLanguage: 'zh-CN',
};

const ENVELOPE: MailEnvelope = {
  source: 'smtp',
  mailFrom: 'reporter@example.org',
  rcptTo: ['report@cert.example.cn'],
  branchCode: 'CN-NATIONAL',
  remoteIp: '127.0.0.1',
  helo: 'client.example.org',
};

let seq = 0;
function eml(
  opts: {
    from?: string;
    subject?: string;
    body?: string;
    headers?: Record<string, string>;
    messageId?: string;
  } = {},
): Buffer {
  seq += 1;
  const headers: Record<string, string> = {
    From: opts.from ?? 'Zhang San <reporter@example.org>',
    To: 'report@cert.example.cn',
    Subject: opts.subject ?? 'Phishing site',
    'Message-ID': opts.messageId ?? `<msg-${seq}-${Date.now()}@example.org>`,
    Date: 'Thu, 01 Mar 2007 08:00:00 +0000',
    'MIME-Version': '1.0',
    'Content-Type': 'text/plain; charset=utf-8',
    ...opts.headers,
  };
  const head = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n');
  return Buffer.from(
    `${head}\r\n\r\n${opts.body ?? 'A phishing page at http://bank-login.example.net/ on 203.0.113.5'}\r\n`,
  );
}

class RecordingSender implements MailSender {
  sent: OutgoingMessage[] = [];
  async send(m: OutgoingMessage) {
    this.sent.push(m);
    return { messageId: `<ack-${this.sent.length}-${Date.now()}@cert.example.cn>` };
  }
}

describe.each(DIALECTS)('mail intake service (%s)', (dialect) => {
  let h: IncidentsHarness;
  let repo: MailIntakePort;
  let sender: RecordingSender;
  let svc: MailIntakeService;

  function build(analyser: MailAnalyser = createMailAnalyser()): MailIntakeService {
    return createMailIntakeService({
      repo,
      incidents: h.service,
      analyser,
      sender,
      clock: h.clock,
      options: OPTIONS,
    });
  }

  beforeEach(async () => {
    h = await createIncidentsHarness(dialect);
    repo = createMailRepository(h.t.db);
    sender = new RecordingSender();
    svc = build();
  });
  afterEach(async () => {
    await h.destroy();
  });

  async function countReports(): Promise<number> {
    const r = await h.t.db
      .selectFrom('reports')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  it('turns a plain message into an e-mail report with observables, the raw .eml and an acknowledgement', async () => {
    const r = await svc.ingest(ENVELOPE, eml());
    expect(r).toMatchObject({ state: 'processed', outcome: 'report', ack: 'sent' });
    expect(r.trackingNumbers).toHaveLength(1);
    const report = await h.service.getReport(h.system, r.reportIds[0]!);
    expect(report.channel).toBe('email');
    expect(report.reporter).toMatchObject({ name: 'Zhang San', email: 'reporter@example.org' });
    expect(report.subject).toBe('Phishing site');
    expect(report.meta).toMatchObject({ mailMessageId: r.id });
    expect(report.attachments.map((a) => a.filename)).toEqual([`message-${r.id}.eml`]);
    const detail = await h.service.getIncident(h.system, r.incidentId!);
    expect(detail.branchCode).toBe('CN-NATIONAL');
    const values = detail.observables.map((o) => o.value);
    expect(values).toContain('203.0.113.5');
    expect(values).toContain('bank-login.example.net');
    // Transport headers are not observables: the loopback address of the Received path is absent.
    expect(values).not.toContain('report@cert.example.cn');
    expect(sender.sent).toHaveLength(1);
    expect(sender.sent[0]).toMatchObject({ to: 'reporter@example.org', incidentId: r.incidentId });
    expect(sender.sent[0]!.subject).toContain(r.trackingNumbers[0]);
    expect(sender.sent[0]!.text).toContain(`https://www.cert.example.cn/status/${r.trackingNumbers[0]}?s=`);
    expect(sender.sent[0]!.headers).toMatchObject({
      'Auto-Submitted': 'auto-replied',
      'X-Loop': 'certops@cert.example.cn',
    });
    const stored = await svc.get(h.system, r.id);
    expect(stored).toMatchObject({
      state: 'processed',
      ackState: 'sent',
      subject: 'Phishing site',
      fromAddress: 'reporter@example.org',
    });
  });

  it('decodes GB2312, GBK and Big5 subjects and bodies and answers in Chinese', async () => {
    for (const charset of ['GB2312', 'GBK', 'Big5']) {
      const subject = charset === 'Big5' ? '釣魚網站舉報' : '钓鱼网站举报';
      const body =
        charset === 'Big5'
          ? '發現釣魚網站 http://fake-bank.example.com/ 請處理'
          : '发现钓鱼网站 http://fake-bank.example.com/ 请处理';
      const encodedSubject = `=?${charset}?B?${iconv.encode(subject, charset).toString('base64')}?=`;
      const raw = Buffer.concat([
        Buffer.from(
          `From: =?${charset}?B?${iconv.encode('李四', charset).toString('base64')}?= <li@example.cn>\r\nTo: report@cert.example.cn\r\nSubject: ${encodedSubject}\r\nMessage-ID: <${charset}-${Date.now()}@example.cn>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=${charset}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n`,
        ),
        iconv.encode(body, charset),
        Buffer.from('\r\n'),
      ]);
      const r = await svc.ingest({ ...ENVELOPE, mailFrom: 'li@example.cn' }, raw);
      const report = await h.service.getReport(h.system, r.reportIds[0]!);
      expect(report.subject).toBe(subject);
      expect(report.description.trim()).toBe(body);
      expect(report.reporter.name).toBe('李四');
      expect(report.language).toBe('zh-CN');
    }
    expect(sender.sent.length).toBeGreaterThan(0);
    expect(sender.sent[0]!.subject).toContain('已收到您的报告');
  });

  it('matches the sender to a directory contact', async () => {
    const org = await h.t.db
      .insertInto('organisations')
      .values({
        kind: 'isp',
        name_zh: '某电信',
        name_en: 'Some Telecom',
        abbreviation: 'ST',
        country: 'CN',
        branch_code: null,
        website: '',
        registered_in_community: 0,
        support_role: '',
        language: 'zh-CN',
        notify_interval: 'daily',
        notes: '',
        created_at: '2007-01-01T00:00:00.000Z',
        updated_at: '2007-01-01T00:00:00.000Z',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await h.t.db
      .insertInto('contacts')
      .values({
        organisation_id: Number(org.id),
        role: 'abuse',
        name: 'Abuse Desk',
        email: 'Abuse@Telecom.example.cn',
        phone: '',
        pgp_key: '',
        language: 'zh-CN',
        created_at: '2007-01-01T00:00:00.000Z',
      })
      .execute();
    const r = await svc.ingest(ENVELOPE, eml({ from: 'abuse@telecom.example.cn' }));
    const report = await h.service.getReport(h.system, r.reportIds[0]!);
    expect(report.reporter).toMatchObject({ type: 'isp', name: 'Abuse Desk', orgId: Number(org.id) });
  });

  it('threads replies by subject tag, tracking number, In-Reply-To and References, not as new incidents', async () => {
    const first = await svc.ingest(ENVELOPE, eml({ messageId: '<first@example.org>' }));
    const incidentId = first.incidentId!;
    const ackId = (await svc.get(h.system, first.id)).ackNote.split(' ')[1]!;

    const byTag = await svc.ingest(ENVELOPE, eml({ subject: `Re: [certops #${incidentId}] more details` }));
    const byNumber = await svc.ingest(
      ENVELOPE,
      eml({ subject: `Re: your number ${first.trackingNumbers[0]!.toLowerCase()}` }),
    );
    const byReply = await svc.ingest(
      ENVELOPE,
      eml({ subject: 'other words', headers: { 'In-Reply-To': '<first@example.org>' } }),
    );
    const byAck = await svc.ingest(
      ENVELOPE,
      eml({ subject: 'thanks', headers: { References: `<x@y> ${ackId}` } }),
    );
    await svc.recordSentMessageId('<notice-1@cert.example.cn>', incidentId);
    const bySent = await svc.ingest(
      ENVELOPE,
      eml({ subject: 'fixed', headers: { 'In-Reply-To': '<notice-1@cert.example.cn>' } }),
    );
    for (const r of [byTag, byNumber, byReply, byAck, bySent]) {
      expect(r).toMatchObject({ state: 'processed', outcome: 'correspondence', incidentId, ack: '' });
    }
    const detail = await h.service.getIncident(h.system, incidentId);
    expect(detail.reports).toHaveLength(6);
    expect(detail.reports.filter((r) => r.meta.correspondence === true)).toHaveLength(5);
    expect(detail.timeline.filter((e) => e.type === 'report')).toHaveLength(6);
    const incidents = await h.t.db.selectFrom('incidents').select('id').execute();
    expect(incidents).toHaveLength(1);
    // Only the first message was acknowledged.
    expect(sender.sent).toHaveLength(1);
  });

  it('an address the report schema refuses still makes a report, without the address and without an ack', async () => {
    for (const from of ['用户@例子.中国', 'root@localhost', '<>']) {
      const r = await svc.ingest(ENVELOPE, eml({ from }));
      expect(r, from).toMatchObject({ state: 'processed', outcome: 'report', ack: 'suppressed' });
      const report = await h.service.getReport(h.system, r.reportIds[0]!);
      expect(report.reporter.email).toBe('');
    }
    expect(sender.sent).toHaveLength(0);
  });

  it('a tag naming an unknown incident makes a new report', async () => {
    const r = await svc.ingest(ENVELOPE, eml({ subject: 'Re: [certops #999999] hello' }));
    expect(r.outcome).toBe('report');
  });

  it('the same Message-ID twice makes one report; a processor that died after creating reports creates none again', async () => {
    const a = await svc.ingest(ENVELOPE, eml({ messageId: '<same@example.org>' }));
    const b = await svc.ingest(ENVELOPE, eml({ messageId: '<same@example.org>' }));
    expect(b).toMatchObject({ outcome: 'duplicate', incidentId: a.incidentId, reportIds: [] });
    expect(await countReports()).toBe(1);

    // Crash simulation: the row is left `processing` with an old claim after its report was made.
    await h.t.db
      .updateTable('mail_messages')
      .set({ state: 'processing', claimed_at: '2000-01-01T00:00:00.000Z' })
      .where('id', '=', a.id)
      .execute();
    const again = await svc.processNext();
    expect(again).toMatchObject({ id: a.id, state: 'processed', reportIds: a.reportIds });
    expect(await countReports()).toBe(1);
    expect(await svc.processNext()).toBeNull();
  });

  it('processes stored messages in received order and leaves fresh claims of other processors alone', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await svc.receive(ENVELOPE, eml({ subject: `m${i}` }))).id);
    await h.t.db
      .updateTable('mail_messages')
      .set({ state: 'processing', claimed_at: h.clock.now().toISOString() })
      .where('id', '=', ids[1]!)
      .execute();
    const done = await svc.processPending();
    expect(done.map((r) => r.id)).toEqual([ids[0], ids[2]]);
    expect((await svc.get(h.system, ids[1]!)).state).toBe('processing');
    h.clock.advance(11 * 60_000);
    expect((await svc.processPending()).map((r) => r.id)).toEqual([ids[1]]);
  });

  it('suppresses acknowledgements for auto-submitted, list and bounce mail, and breaks loops per address', async () => {
    const suppressed = [
      eml({ headers: { 'Auto-Submitted': 'auto-replied' } }),
      eml({ headers: { Precedence: 'bulk' } }),
      eml({ headers: { 'List-Id': '<abuse.lists.example.org>' } }),
      eml({ headers: { 'List-Unsubscribe': '<mailto:leave@example.org>' } }),
      eml({ headers: { 'X-Loop': 'certops@cert.example.cn' } }),
    ];
    for (const raw of suppressed) expect((await svc.ingest(ENVELOPE, raw)).ack).toBe('suppressed');
    expect((await svc.ingest({ ...ENVELOPE, mailFrom: '' }, eml())).ack).toBe('suppressed');
    expect((await svc.ingest({ ...ENVELOPE, mailFrom: 'MAILER-DAEMON@example.org' }, eml())).ack).toBe(
      'suppressed',
    );
    expect((await svc.ingest(ENVELOPE, eml({ from: 'report@cert.example.cn' }))).ack).toBe('suppressed');
    expect(sender.sent).toHaveLength(0);

    const acks = [];
    for (let i = 0; i < 5; i++) acks.push((await svc.ingest(ENVELOPE, eml({ subject: `new ${i}` }))).ack);
    expect(acks).toEqual(['sent', 'sent', 'sent', 'suppressed', 'suppressed']);
    const last = await svc.list(h.system, { limit: 1 });
    expect(last[0]!.ackNote).toMatch(/3 acknowledgements to reporter@example.org in the last hour/);
    h.clock.advance(61 * 60_000);
    expect((await svc.ingest(ENVELOPE, eml({ subject: 'an hour later' }))).ack).toBe('sent');
  });

  it('an invalid machine-readable report is kept as a plain report flagged with the format error', async () => {
    const real = createMailAnalyser();
    const svc2 = build({
      ...real,
      machineReport: (): MachineReportResult => ({
        ok: false,
        format: 'x-arf',
        error: 'report.txt: Report-Type missing',
      }),
    });
    const r = await svc2.ingest(ENVELOPE, eml());
    expect(r).toMatchObject({
      state: 'failed_format',
      outcome: 'report',
      error: 'x-arf: report.txt: Report-Type missing',
    });
    const report = await h.service.getReport(h.system, r.reportIds[0]!);
    expect(report.meta).toMatchObject({
      formatError: 'x-arf: report.txt: Report-Type missing',
      format: 'x-arf',
    });
  });

  it('retrying a format error after a parser fix adds the typed reports to the same incident', async () => {
    const real = createMailAnalyser();
    let fixed = false;
    const svc2 = build({
      ...real,
      machineReport: (): MachineReportResult =>
        fixed
          ? {
              ok: true,
              format: 'x-arf',
              reports: [
                {
                  format: 'x-arf',
                  category: 'phishing',
                  rsitType: 'fraud/phishing',
                  subject: 'Phishing',
                  description: '',
                  occurredAt: null,
                  reporter: { name: 'Bot', email: '', organisation: '' },
                  observables: [{ kind: 'url', value: 'http://phish.example.net/' }],
                  meta: {},
                },
              ],
            }
          : { ok: false, format: 'x-arf', error: 'Report-Type missing' },
    });
    const first = await svc2.ingest(ENVELOPE, eml());
    expect(first.state).toBe('failed_format');
    const stillBad = await svc2.retry(h.system, first.id);
    expect(stillBad).toMatchObject({ state: 'failed_format', reportIds: first.reportIds });
    fixed = true;
    const again = await svc2.retry(h.system, first.id);
    expect(again).toMatchObject({ state: 'processed', outcome: 'machine', incidentId: first.incidentId });
    expect(again.reportIds).toHaveLength(2);
    const typed = await h.service.getReport(h.system, again.reportIds[1]!);
    expect(typed).toMatchObject({ category: 'phishing', incidentId: first.incidentId });
    expect(await countReports()).toBe(2);
  });

  it('makes one typed report per machine-readable entry with exactly its observables', async () => {
    const real = createMailAnalyser();
    const svc2 = build({
      ...real,
      machineReport: (): MachineReportResult => ({
        ok: true,
        format: 'xarf-v4',
        reports: [
          {
            format: 'xarf-v4',
            category: 'dos',
            rsitType: 'availability/ddos',
            subject: 'DDoS from 198.51.100.7',
            description: 'connection/ddos',
            occurredAt: '2007-02-28T10:00:00.000Z',
            reporter: { name: 'Abuse Bot', email: 'bot@partner.example', organisation: 'Partner CERT' },
            observables: [{ kind: 'ipv4', value: '198.51.100.7' }],
            meta: { report_id: 'r-1' },
          },
          {
            format: 'xarf-v4',
            category: 'scanning',
            rsitType: null,
            subject: 'Scan',
            description: '',
            occurredAt: null,
            reporter: { name: '', email: '', organisation: 'Partner CERT' },
            observables: [{ kind: 'ipv4', value: '198.51.100.8' }],
            meta: {},
          },
        ],
      }),
    });
    const r = await svc2.ingest(ENVELOPE, eml());
    expect(r).toMatchObject({ state: 'processed', outcome: 'machine', ack: 'suppressed' });
    expect(r.reportIds).toHaveLength(2);
    const first = await h.service.getReport(h.system, r.reportIds[0]!);
    expect(first).toMatchObject({ category: 'dos', subject: 'DDoS from 198.51.100.7' });
    expect(first.meta).toMatchObject({
      format: 'xarf-v4',
      rsitType: 'availability/ddos',
      machine: { report_id: 'r-1' },
    });
    expect(first.attachments).toHaveLength(1);
    const obs = await h.repo.listObservables(first.incidentId!);
    expect(obs.filter((o) => o.reportId === first.id).map((o) => o.value)).toEqual(['198.51.100.7']);
    const second = await h.service.getReport(h.system, r.reportIds[1]!);
    expect(second.category).toBe('scanning');
  });

  it('records a processing failure and processes the message again on retry', async () => {
    const real = createMailAnalyser();
    let fail = true;
    const svc2 = build({
      ...real,
      parse: (raw) => (fail ? Promise.reject(new Error('boom')) : real.parse(raw)),
    });
    const r = await svc2.ingest(ENVELOPE, eml());
    expect(r).toMatchObject({ state: 'failed', error: 'unreadable message: boom' });
    await expect(svc2.retry(h.system, (await svc2.list(h.system))[0]!.id + 1000)).rejects.toMatchObject({
      id: 'not_found',
    });
    fail = false;
    const again = await svc2.retry(h.system, r.id);
    expect(again).toMatchObject({ state: 'processed', outcome: 'report' });
    await expect(svc2.retry(h.system, r.id)).rejects.toMatchObject({ id: 'conflict' });
  });

  it('branch handlers see only their branch mail; others see all', async () => {
    await svc.receive(ENVELOPE, eml());
    const xj = await svc.receive(
      { ...ENVELOPE, branchCode: 'CN-XJ', rcptTo: ['xj-report@cert.example.cn'] },
      eml(),
    );
    const xjHandler = await h.user('branch_handler', 'CN-XJ');
    const bjHandler = await h.user('branch_handler', 'CN-BJ');
    expect((await svc.list(xjHandler)).map((m) => m.id)).toEqual([xj.id]);
    expect(await svc.list(bjHandler)).toEqual([]);
    await expect(svc.get(bjHandler, xj.id)).rejects.toMatchObject({ id: 'not_found' });
    expect((await svc.list(h.system)).length).toBe(2);
    expect((await svc.countByState(h.system)).received).toBe(2);
    const plain = await svc.processPending();
    expect(plain.map((p) => p.state)).toEqual(['processed', 'processed']);
    const detail = await h.service.getIncident(h.system, plain[1]!.incidentId!);
    expect(detail.branchCode).toBe('CN-XJ');
  });

  it('submitRaw takes message/rfc822 and refuses what it does not know', async () => {
    const r = await svc.submitRaw(h.system, 'message/rfc822', eml());
    expect(r.trackingNumbers).toHaveLength(1);
    expect(r.mailMessageId).not.toBeNull();
    await expect(svc.submitRaw(h.system, 'text/csv', Buffer.from('a,b'))).rejects.toMatchObject({
      id: 'invalid_input',
    });
    await expect(svc.submitRaw(h.system, 'message/rfc822', Buffer.alloc(0))).rejects.toMatchObject({
      id: 'invalid_input',
    });
  });
});

describe('mail intake rules', () => {
  it('parses Message-ID lists', () => {
    expect(parseMessageIds('<a@b> <c@d>\r\n <e@f>')).toEqual(['<a@b>', '<c@d>', '<e@f>']);
    expect(parseMessageIds('bare@id')).toEqual(['<bare@id>']);
    expect(parseMessageIds(undefined)).toEqual([]);
  });

  it('finds the incident tag and tracking numbers in subjects', () => {
    expect(findSubjectReference('Re: [certops #123] x', 'certops')).toEqual({ incidentId: 123 });
    expect(findSubjectReference('Re: [ CERTOPS # 7 ]', 'certops')).toEqual({ incidentId: 7 });
    expect(findSubjectReference('[other #7]', 'certops')).toBeNull();
    expect(findSubjectReference('AW: 2007-7k3m9-q2pxa', 'certops')).toEqual({
      trackingNumber: '2007-7K3M9-Q2PXA',
    });
    expect(findSubjectReference('[cert.ops #5]', 'cert.ops')).toEqual({ incidentId: 5 });
    expect(findSubjectReference('[certXops #5]', 'cert.ops')).toBeNull();
  });

  it('names why an automatic reply is suppressed', () => {
    expect(autoReplySuppression({ 'auto-submitted': 'no' }, 'a@b.c', [])).toBeNull();
    expect(autoReplySuppression({ 'auto-submitted': 'auto-generated' }, 'a@b.c', [])).toMatch(
      /Auto-Submitted/,
    );
    expect(autoReplySuppression({ precedence: 'junk' }, 'a@b.c', [])).toMatch(/Precedence/);
    expect(autoReplySuppression({}, 'noreply@b.c', [])).toMatch(/robot/);
    expect(autoReplySuppression({}, 'postmaster@b.c', [])).toMatch(/robot/);
    expect(autoReplySuppression({ 'x-loop': 'Report@X.cn' }, 'a@b.c', ['report@x.cn'])).toMatch(/X-Loop/);
  });
});
