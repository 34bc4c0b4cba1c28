import { simpleParser } from 'mailparser';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { MAIL_PARSER_OPTIONS, normaliseLineEnds, parseMailInput, toMailInput } from './mail-input.ts';

const CRLF = '\r\n';

function message(lines: string[]): Buffer {
  return Buffer.from(lines.join(CRLF), 'utf8');
}

const MULTIPART = message([
  'From: "Abuse Desk" <Abuse@Example.NET>',
  'To: report@cert.example.cn',
  'Subject: =?UTF-8?B?5rWL6K+VIHJlcG9ydA==?=',
  'Received: from a.example.net (a.example.net [192.0.2.1]) by mx',
  'Received: from b.example.net (b.example.net [192.0.2.2]) by mx',
  'X-ARF: yes',
  'Message-ID: <m1@example.net>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/report; report-type=feedback-report;',
  '  boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/plain; charset=gb2312',
  'Content-Transfer-Encoding: base64',
  '',
  iconv.encode('来自 192.0.2.9 的垃圾邮件，镕', 'gbk').toString('base64'),
  '--b1',
  'Content-Type: message/feedback-report',
  '',
  'Feedback-Type: abuse',
  'Source-IP: 192.0.2.9',
  '',
  '--b1',
  'Content-Type: message/rfc822',
  'Content-Disposition: inline',
  '',
  'Received: from spammer (spammer [192.0.2.9]) by mx',
  'From: spam@example.org',
  'Subject: buy',
  '',
  'buy now',
  '--b1',
  'Content-Type: text/plain; charset=big5; name=note.txt',
  'Content-Disposition: attachment; filename=note.txt',
  'Content-Transfer-Encoding: base64',
  '',
  iconv.encode('香港', 'big5hkscs').toString('base64'),
  '--b1--',
  '',
]);

describe('toMailInput / parseMailInput', () => {
  it('maps headers, from, subject, top-level content type and attachments', async () => {
    const mail = await parseMailInput(MULTIPART);
    expect(mail.from).toBe('abuse@example.net');
    expect(mail.subject).toBe('测试 report');
    expect(mail.contentType).toBe('multipart/report; report-type=feedback-report; boundary=b1');
    expect(mail.headers['x-arf']).toBe('yes');
    expect(mail.headers['message-id']).toBe('<m1@example.net>');
    expect(mail.headers['subject']).toBe('测试 report');
    // Repeated headers joined with ", ", names lower-cased.
    expect(mail.headers['received']).toContain('[192.0.2.1]');
    expect(mail.headers['received']).toContain(', from b.example.net');
    expect(Object.keys(mail.headers).every((k) => k === k.toLowerCase())).toBe(true);
    expect(mail.headers['content-type']).toContain('report-type=feedback-report');
    // GB2312-labelled text with a GBK-only character decodes correctly.
    expect(mail.text).toContain('来自 192.0.2.9 的垃圾邮件，镕');
    expect(mail.attachments.map((a) => a.contentType)).toEqual([
      'message/feedback-report',
      'message/rfc822',
      'text/plain',
    ]);
    for (const a of mail.attachments) expect(Buffer.isBuffer(a.content)).toBe(true);
    // The embedded message stays an attachment with its headers (not flattened into the text).
    expect(mail.attachments[1]?.content.toString('utf8')).toContain('Received: from spammer');
    expect(mail.text).not.toContain('buy now');
    const note = mail.attachments[2];
    expect(note?.filename).toBe('note.txt');
    expect(note?.charset).toBe('big5');
  });

  it('is the same mapping whether the caller parses or parseMailInput does', async () => {
    const direct = toMailInput(await simpleParser(MULTIPART, MAIL_PARSER_OPTIONS));
    expect(await parseMailInput(MULTIPART)).toEqual(direct);
  });

  it('defaults: no From, no Subject, no Content-Type', async () => {
    const mail = await parseMailInput(Buffer.from('\r\nhello 192.0.2.1\r\n'));
    expect(mail).toMatchObject({
      from: '',
      subject: '',
      contentType: 'text/plain',
      html: '',
      attachments: [],
    });
    expect(mail.text).toContain('hello 192.0.2.1');
  });

  it('reads a CR-only message like its CRLF copy', async () => {
    const crOnly = Buffer.from(MULTIPART.toString('latin1').replace(/\r\n/g, '\r'), 'latin1');
    expect(normaliseLineEnds(crOnly)).not.toBe(crOnly);
    expect(await parseMailInput(crOnly)).toEqual(await parseMailInput(MULTIPART));
    // A message with LF line ends is left alone.
    const lf = Buffer.from('Subject: x\n\nbody\r more\n');
    expect(normaliseLineEnds(lf)).toBe(lf);
  });

  it('takes the first mailbox of a group From', async () => {
    const mail = await parseMailInput(Buffer.from('From: Team: A <a@example.com>, b@example.com;\r\n\r\nx'));
    expect(mail.from).toBe('a@example.com');
  });
});
