import { readdirSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import iconv from 'iconv-lite';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { corpusPath } from '../../../test/support/corpus.ts';
import { DIALECTS } from '../../../test/support/db.ts';
import { createIncidentsHarness, type IncidentsHarness } from '../../../test/support/incidents.ts';
import { createMailRepository } from '../../db/repositories/mail.repository.ts';
import { createMailIntakeService, type MailIntakeService } from '../../services/mail-intake.service.ts';
import type { MailSender } from '../../services/ports/mail.port.ts';
import { createMailAnalyser } from './analyser.ts';
import { startMailProcessor, type MailProcessor } from './mail-processor.ts';
import { startSmtpListener, type SmtpListener } from './smtp-listener.ts';

const ADDRESSES = [
  { address: 'report@cert.example.cn', branchCode: 'CN-NATIONAL' },
  { address: 'xj-report@cert.example.cn', branchCode: 'CN-XJ' },
];

/** A minimal SMTP client over a raw socket: exact control over commands, sizes and pipelining. */
class RawSmtp {
  private buf = '';
  private waiters: (() => void)[] = [];
  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buf += d;
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('error', () => {});
  }
  static async connect(port: number): Promise<RawSmtp> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const c = new RawSmtp(socket);
    return c;
  }
  /** The next complete reply (multi-line replies joined), e.g. `250 ...`. */
  async reply(): Promise<string> {
    for (;;) {
      const lines = this.buf.split('\r\n');
      let end = -1;
      for (let i = 0; i < lines.length - 1; i++) {
        if (/^\d{3} /.test(lines[i]!) || /^\d{3}$/.test(lines[i]!)) {
          end = i;
          break;
        }
      }
      if (end >= 0) {
        const reply = lines.slice(0, end + 1).join('\n');
        this.buf = lines.slice(end + 1).join('\r\n');
        return reply;
      }
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(
          () => reject(new Error(`no SMTP reply; buffer: ${this.buf.slice(0, 200)}`)),
          30_000,
        );
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
  async cmd(line: string): Promise<string> {
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }
  async write(data: string | Buffer): Promise<void> {
    if (!this.socket.write(data)) await new Promise<void>((resolve) => this.socket.once('drain', resolve));
  }
  close(): void {
    this.socket.destroy();
  }
}

async function sendRaw(port: number, from: string, to: string[], data: Buffer | string): Promise<string> {
  const c = await RawSmtp.connect(port);
  try {
    await c.reply();
    await c.cmd('EHLO client.example.org');
    await c.cmd(`MAIL FROM:<${from}>`);
    for (const r of to) await c.cmd(`RCPT TO:<${r}>`);
    const go = await c.cmd('DATA');
    if (!go.startsWith('354')) return go;
    const body = Buffer.isBuffer(data) ? data : Buffer.from(data);
    // Dot-stuffing and the terminator.
    const stuffed = body.toString('latin1').replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
    await c.write(
      Buffer.from(stuffed.endsWith('\r\n') || stuffed === '' ? stuffed : `${stuffed}\r\n`, 'latin1'),
    );
    return await c.cmd('.');
  } finally {
    c.close();
  }
}

function message(
  opts: { from?: string; subject?: string; body?: string; headers?: Record<string, string> } = {},
): string {
  const h: Record<string, string> = {
    From: opts.from ?? 'reporter@example.org',
    To: 'report@cert.example.cn',
    Subject: opts.subject ?? 'Phishing at 203.0.113.9',
    'Message-ID': `<${Math.random().toString(36).slice(2)}@example.org>`,
    'MIME-Version': '1.0',
    'Content-Type': 'text/plain; charset=utf-8',
    ...opts.headers,
  };
  return `${Object.entries(h)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n')}\r\n\r\n${opts.body ?? 'see http://phish.example.net/login'}\r\n`;
}

interface Sink {
  port: number;
  received: { mailFrom: string; rcpt: string[]; raw: Buffer }[];
  onMessage?: (raw: Buffer) => void;
  close(): Promise<void>;
}

async function startSink(): Promise<Sink> {
  const sink: Sink = { port: 0, received: [], close: async () => {} };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        sink.received.push({
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcpt: session.envelope.rcptTo.map((r) => r.address),
          raw,
        });
        cb();
        sink.onMessage?.(raw);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.port = (server.server.address() as net.AddressInfo).port;
  sink.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sink;
}

/** Acknowledgements over real SMTP to the sink (what the outbox does in production). */
function sinkSender(sink: Sink): MailSender & { close(): void } {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: sink.port,
    secure: false,
    ignoreTLS: true,
  });
  let n = 0;
  return {
    async send(m) {
      n += 1;
      const messageId = `<ack-${n}-${Date.now()}@cert.example.cn>`;
      await transport.sendMail({
        from: 'certops@cert.example.cn',
        to: m.to,
        subject: m.subject,
        text: m.text,
        headers: m.headers,
        messageId,
        ...(m.inReplyTo ? { inReplyTo: m.inReplyTo } : {}),
        references: m.references,
      });
      return { messageId };
    },
    close: () => transport.close(),
  };
}

describe.each(DIALECTS)('SMTP intake over loopback (%s)', (dialect) => {
  let h: IncidentsHarness;
  let svc: MailIntakeService;
  let listener: SmtpListener;
  let processor: MailProcessor;
  let sink: Sink;
  let sender: ReturnType<typeof sinkSender>;

  async function start(
    options: {
      maxMessageBytes?: number;
      maxRecipients?: number;
      addresses?: typeof ADDRESSES;
      process?: boolean;
    } = {},
  ) {
    if (options.process !== false) {
      processor = startMailProcessor({ mailIntake: svc, intervalSeconds: 3600 });
    }
    listener = await startSmtpListener({
      host: '127.0.0.1',
      port: 0,
      maxMessageBytes: options.maxMessageBytes ?? 1024 * 1024,
      maxRecipients: options.maxRecipients ?? 100,
      addresses: options.addresses ?? ADDRESSES,
      store: (env, raw) => svc.receive(env, raw),
      onStored: () => processor?.wake(),
    });
  }

  beforeEach(async () => {
    h = await createIncidentsHarness(dialect, new Date().toISOString());
    sink = await startSink();
    sender = sinkSender(sink);
    svc = createMailIntakeService({
      repo: createMailRepository(h.t.db),
      incidents: h.service,
      analyser: createMailAnalyser(),
      sender,
      clock: { now: () => new Date() },
      options: {
        subjectTag: 'certops',
        ownAddresses: [...ADDRESSES.map((a) => a.address), 'certops@cert.example.cn'],
        loopAddress: 'certops@cert.example.cn',
        autoAck: { enabled: true, maxPerHourPerAddress: 3, language: 'auto', machineReports: false },
        publicBaseUrl: 'https://www.cert.example.cn',
        siteName: { 'zh-CN': '测试中心', en: 'Test CERT' },
        defaultLanguage: 'zh-CN',
      },
    });
  });
  afterEach(async () => {
    await listener?.close(100);
    await processor?.stop();
    sender.close();
    await sink.close();
    await h.destroy().catch(() => {});
  });

  async function settle(): Promise<void> {
    await processor.idle();
  }

  it('accepts mail for the report addresses (any case, per branch) and refuses other recipients with 550', async () => {
    await start();
    const t = nodemailer.createTransport({
      host: '127.0.0.1',
      port: listener.port,
      secure: false,
      ignoreTLS: true,
    });
    const ok = await t.sendMail({
      from: 'a@example.org',
      to: 'REPORT@cert.example.cn',
      subject: 'hello',
      text: 'x 198.51.100.1',
    });
    expect(ok.response).toMatch(/^250 .*stored as message \d+/);
    await expect(
      t.sendMail({ from: 'a@example.org', to: 'someone@cert.example.cn', subject: 'no', text: 'no' }),
    ).rejects.toMatchObject({ responseCode: 550 });
    const mixed = await t.sendMail({
      from: 'a@example.org',
      to: ['nobody@elsewhere.example', 'xj-report@cert.example.cn'],
      subject: 'xj',
      text: 'for xinjiang',
    });
    expect(mixed.rejected).toEqual(['nobody@elsewhere.example']);
    t.close();
    await settle();
    const list = await svc.list(h.system);
    expect(list.map((m) => [m.rcptTo, m.branchCode, m.state])).toEqual([
      [['xj-report@cert.example.cn'], 'CN-XJ', 'processed'],
      [['report@cert.example.cn'], 'CN-NATIONAL', 'processed'],
    ]);
    const xj = await h.service.getIncident(h.system, list[0]!.incidentId!);
    expect(xj.branchCode).toBe('CN-XJ');
    const c = await RawSmtp.connect(listener.port);
    expect(await c.reply()).toMatch(/^220 certops ESMTP/);
    const ehlo = await c.cmd('EHLO x');
    expect(ehlo).toMatch(/SIZE 1048576/);
    expect(ehlo).not.toMatch(/STARTTLS|AUTH/);
    c.close();
  });

  it('refuses a message over the size limit with 552: at the SIZE declaration and while streaming 100 MB, without holding it', async () => {
    await start({ maxMessageBytes: 1024 * 1024 });
    const c = await RawSmtp.connect(listener.port);
    await c.reply();
    await c.cmd('EHLO client');
    expect(await c.cmd(`MAIL FROM:<a@example.org> SIZE=${100 * 1024 * 1024}`)).toMatch(/^552/);
    expect(await c.cmd('MAIL FROM:<a@example.org>')).toMatch(/^250/);
    expect(await c.cmd('RCPT TO:<report@cert.example.cn>')).toMatch(/^250/);
    expect(await c.cmd('DATA')).toMatch(/^354/);
    const line = Buffer.from(`${'x'.repeat(998)}\r\n`);
    const chunk = Buffer.concat(Array.from({ length: 1024 }, () => line)); // ~1 MB
    const before = process.memoryUsage().rss;
    let peak = before;
    await c.write('Subject: big\r\n\r\n');
    for (let i = 0; i < 100; i++) {
      await c.write(chunk);
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    const answer = await c.cmd('.');
    expect(answer).toMatch(/^552/);
    // The listener still answers on the same connection, and stored nothing.
    expect(await c.cmd('NOOP')).toMatch(/^250/);
    c.close();
    expect(peak - before).toBeLessThan(60 * 1024 * 1024);
    expect(await svc.list(h.system)).toEqual([]);
  }, 120_000);

  it('answers 451 when the message cannot be stored, and nothing is half-written', async () => {
    await start({ process: false });
    await h.t.close();
    const answer = await sendRaw(listener.port, 'a@example.org', ['report@cert.example.cn'], message());
    expect(answer).toMatch(/^451 4\.3\.0/);
  });

  it('refuses a 0-byte message with 554 and accepts broken MIME, which still becomes a report', async () => {
    await start();
    expect(await sendRaw(listener.port, 'a@example.org', ['report@cert.example.cn'], '')).toMatch(
      /^554 5\.6\.0 empty message/,
    );
    const broken =
      'From: x@example.org\r\nSubject: broken\r\nContent-Type: multipart/mixed; boundary="zz"\r\n\r\n--zz\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n%%%not base64%%% 192.0.2.44\r\n--zz\r\nContent-Type: application/octet-stream; name=\r\n';
    expect(await sendRaw(listener.port, 'x@example.org', ['report@cert.example.cn'], broken)).toMatch(/^250/);
    expect(
      await sendRaw(listener.port, 'x@example.org', ['report@cert.example.cn'], '\x00\x01\x02 binary junk'),
    ).toMatch(/^250/);
    await settle();
    const list = await svc.list(h.system);
    expect(list).toHaveLength(2);
    for (const m of list) {
      expect(m.state).toBe('processed');
      expect(m.reportIds).toHaveLength(1);
    }
  });

  it('decodes GBK mail received over SMTP', async () => {
    await start();
    const body = iconv.encode('您好，发现木马控制服务器 198.51.100.23，请处理。', 'gbk');
    const raw = Buffer.concat([
      Buffer.from(
        `From: wang@example.cn\r\nTo: report@cert.example.cn\r\nSubject: =?GBK?B?${iconv.encode('木马报告', 'gbk').toString('base64')}?=\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset="gbk"\r\nContent-Transfer-Encoding: base64\r\n\r\n`,
      ),
      Buffer.from(`${body.toString('base64')}\r\n`),
    ]);
    expect(await sendRaw(listener.port, 'wang@example.cn', ['report@cert.example.cn'], raw)).toMatch(/^250/);
    await settle();
    const [m] = await svc.list(h.system);
    const report = await h.service.getReport(h.system, m!.reportIds[0]!);
    expect(report.subject).toBe('木马报告');
    expect(report.description).toContain('发现木马控制服务器 198.51.100.23');
  });

  it('caps a message with 10,000 recipients at 100 (452 for the rest) and stores it once', async () => {
    const many = Array.from({ length: 150 }, (_, i) => ({
      address: `r${i}@cert.example.cn`,
      branchCode: 'CN-NATIONAL',
    }));
    await start({ addresses: many, maxRecipients: 100, process: false });
    const c = await RawSmtp.connect(listener.port);
    await c.reply();
    await c.cmd('EHLO client');
    await c.cmd('MAIL FROM:<a@example.org>');
    const lines = Array.from(
      { length: 10_000 },
      (_, i) => `RCPT TO:<${i < 150 ? `r${i}` : `x${i}`}@cert.example.cn>\r\n`,
    );
    await c.write(lines.join(''));
    const codes: string[] = [];
    for (let i = 0; i < 10_000; i++) codes.push((await c.reply()).slice(0, 3));
    expect(codes.filter((x) => x === '250')).toHaveLength(100);
    expect(codes.filter((x) => x === '452')).toHaveLength(9_900);
    expect(await c.cmd('DATA')).toMatch(/^354/);
    await c.write(message().replace(/\r?\n/g, '\r\n'));
    expect(await c.cmd('.')).toMatch(/^250/);
    c.close();
    const [m] = await svc.list(h.system);
    expect(m!.rcptTo).toHaveLength(100);
  }, 60_000);

  it('acknowledges a new reporter over SMTP, not auto-submitted or list mail, and threads the reply', async () => {
    await start();
    await sendRaw(listener.port, 'reporter@example.org', ['report@cert.example.cn'], message());
    await sendRaw(
      listener.port,
      'robot@example.org',
      ['report@cert.example.cn'],
      message({ from: 'robot@example.org', headers: { 'Auto-Submitted': 'auto-generated' } }),
    );
    await sendRaw(
      listener.port,
      'list@example.org',
      ['report@cert.example.cn'],
      message({ from: 'list@example.org', headers: { 'List-Id': '<x.example.org>' } }),
    );
    await settle();
    await waitFor(() => sink.received.length >= 1);
    expect(sink.received).toHaveLength(1);
    const ack = await simpleParser(sink.received[0]!.raw);
    expect(sink.received[0]!.rcpt).toEqual(['reporter@example.org']);
    expect(ack.headers.get('auto-submitted')).toBe('auto-replied');
    expect(ack.headers.get('x-loop')).toBe('certops@cert.example.cn');
    const first = (await svc.list(h.system)).at(-1)!;
    expect(ack.subject).toContain(
      first.incidentId === null
        ? ''
        : (await h.service.getReport(h.system, first.reportIds[0]!)).trackingNumber,
    );

    // The reporter answers the acknowledgement: correspondence on the same incident.
    await sendRaw(
      listener.port,
      'reporter@example.org',
      ['report@cert.example.cn'],
      message({ subject: `Re: ${ack.subject}`, headers: { 'In-Reply-To': ack.messageId! } }),
    );
    await settle();
    const reply = (await svc.list(h.system))[0]!;
    expect(reply).toMatchObject({ outcome: 'correspondence', incidentId: first.incidentId });
    expect(sink.received).toHaveLength(1);
  });

  it('a reply loop with an auto-responder ends', async () => {
    await start();
    // A careless auto-responder: no Auto-Submitted, no In-Reply-To, a fresh subject, every time.
    let replies = 0;
    const responder = nodemailer.createTransport({
      host: '127.0.0.1',
      port: listener.port,
      secure: false,
      ignoreTLS: true,
    });
    sink.onMessage = () => {
      replies += 1;
      void responder.sendMail({
        from: 'reporter@example.org',
        to: 'report@cert.example.cn',
        subject: `I am away (${replies})`,
        text: 'I am out of the office.',
      });
    };
    await sendRaw(listener.port, 'reporter@example.org', ['report@cert.example.cn'], message());
    // Each ack triggers one auto-reply; the per-address limit (3 an hour) ends the loop.
    await waitFor(
      async () => (await svc.list(h.system)).length >= 4 && (await svc.countByState(h.system)).processed >= 4,
    );
    await new Promise((r) => setTimeout(r, 500));
    await settle();
    expect(sink.received).toHaveLength(3);
    const list = await svc.list(h.system);
    expect(list).toHaveLength(4);
    expect(list[0]!.ackState).toBe('suppressed');
    responder.close();
  });

  it('an auto-responder quoting our subject is threaded as correspondence, so the loop ends at once', async () => {
    await start();
    const responder = nodemailer.createTransport({
      host: '127.0.0.1',
      port: listener.port,
      secure: false,
      ignoreTLS: true,
    });
    sink.onMessage = (raw) => {
      void simpleParser(raw).then((m) =>
        responder.sendMail({
          from: 'reporter@example.org',
          to: 'report@cert.example.cn',
          subject: `Auto: ${m.subject}`,
          text: 'away',
        }),
      );
    };
    await sendRaw(listener.port, 'reporter@example.org', ['report@cert.example.cn'], message());
    await waitFor(async () => (await svc.countByState(h.system)).processed >= 2);
    await settle();
    expect(sink.received).toHaveLength(1);
    const list = await svc.list(h.system);
    expect(list.map((m) => m.outcome)).toEqual(['correspondence', 'report']);
    responder.close();
  });

  it('after a restart, processes what was stored but not processed', async () => {
    await start({ process: false });
    for (let i = 0; i < 3; i++) {
      expect(
        await sendRaw(
          listener.port,
          'a@example.org',
          ['report@cert.example.cn'],
          message({ subject: `stored ${i}` }),
        ),
      ).toMatch(/^250/);
    }
    await listener.close(100);
    expect((await svc.countByState(h.system)).received).toBe(3);
    processor = startMailProcessor({ mailIntake: svc, intervalSeconds: 3600 });
    await processor.idle();
    const list = await svc.list(h.system);
    expect(list.map((m) => [m.subject, m.state])).toEqual([
      ['stored 2', 'processed'],
      ['stored 1', 'processed'],
      ['stored 0', 'processed'],
    ]);
  });
});

describe('SMTP intake: the whole abuse corpus', () => {
  let h: IncidentsHarness;
  afterEach(async () => h?.destroy());

  function corpusFiles(): string[] {
    const root = corpusPath('abuse');
    const out: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir).sort()) {
        const p = path.join(dir, name);
        if (statSync(p).isDirectory()) {
          if (name !== 'schemas') walk(p);
        } else if (/\.(eml|json|xml)$/i.test(name)) out.push(p);
      }
    };
    walk(root);
    return out;
  }

  /** .eml as they are; JSON and XML documents attached to a message (XARF v4 and IODEF "attached"). */
  function asMessage(file: string): Buffer {
    const content = readFileSync(file);
    if (file.endsWith('.eml')) return content;
    const type = file.endsWith('.xml') ? 'application/xml' : 'application/json';
    return Buffer.from(
      `From: partner@cert.example.org\r\nTo: report@cert.example.cn\r\nSubject: ${path.basename(file)}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nreport attached\r\n--b1\r\nContent-Type: ${type}; name="${path.basename(file)}"\r\nContent-Disposition: attachment; filename="${path.basename(file)}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${content.toString('base64').replace(/.{76}/g, '$&\r\n')}\r\n--b1--\r\n`,
    );
  }

  it('every file gets a defined outcome over SMTP; none is lost and the listener keeps answering', async () => {
    h = await createIncidentsHarness('sqlite', new Date().toISOString());
    const svc = createMailIntakeService({
      repo: createMailRepository(h.t.db),
      incidents: h.service,
      analyser: createMailAnalyser(),
      sender: null,
      clock: { now: () => new Date() },
      options: {
        subjectTag: 'certops',
        ownAddresses: ['report@cert.example.cn'],
        loopAddress: 'report@cert.example.cn',
        autoAck: { enabled: false, maxPerHourPerAddress: 3, language: 'auto', machineReports: false },
        publicBaseUrl: 'https://www.cert.example.cn',
        siteName: { 'zh-CN': '测试中心', en: 'Test CERT' },
        defaultLanguage: 'zh-CN',
      },
    });
    const processor = startMailProcessor({ mailIntake: svc, intervalSeconds: 3600 });
    const listener = await startSmtpListener({
      host: '127.0.0.1',
      port: 0,
      maxMessageBytes: 10 * 1024 * 1024,
      maxRecipients: 100,
      addresses: ADDRESSES,
      store: (env, raw) => svc.receive(env, raw),
      onStored: () => processor.wake(),
    });
    try {
      const files = corpusFiles();
      expect(files.length).toBeGreaterThan(350);
      const answers = new Map<string, string>();
      for (const f of files) {
        answers.set(
          f,
          await sendRaw(listener.port, 'partner@cert.example.org', ['report@cert.example.cn'], asMessage(f)),
        );
      }
      for (const [f, a] of answers) expect(a, f).toMatch(/^250 /);
      await processor.idle();
      const all = await svc.list(h.system, { limit: 500 });
      expect(all).toHaveLength(files.length);
      const byState: Record<string, number> = {};
      for (const m of all) {
        byState[m.state] = (byState[m.state] ?? 0) + 1;
        expect(['processed', 'failed_format']).toContain(m.state);
        if (m.state === 'failed_format') expect(m.error).not.toBe('');
        // A defined outcome: reports made, or the same Message-ID as an earlier file (one report is enough).
        if (m.outcome === 'duplicate') expect(m.error).toMatch(/^same Message-ID as message \d+$/);
        else expect(m.reportIds.length, `${m.subject}: ${m.outcome}`).toBeGreaterThan(0);
      }
      // XARF v4 samples all come out as typed reports.
      const subjects = new Map(all.map((m) => [m.subject, m]));
      const v4 = readdirSync(corpusPath('abuse', 'xarf-v4', 'samples')).filter((n) => n.endsWith('.json'));
      const v4Outcomes = v4.map((n) => subjects.get(n)?.outcome);
      expect(v4Outcomes.filter((o) => o === 'machine').length, JSON.stringify(byState)).toBe(v4.length);
      const c = await RawSmtp.connect(listener.port);
      expect(await c.reply()).toMatch(/^220/);
      expect(await c.cmd('NOOP')).toMatch(/^250/);
      c.close();
    } finally {
      await listener.close(100);
      await processor.stop();
    }
  }, 180_000);
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
