import MailComposer from 'nodemailer/lib/mail-composer';
import type { TransportMessage } from '../../services/ports.ts';

/**
 * The RFC 5322 message of an outgoing mail, as nodemailer's composer writes it (CRLF line ends,
 * 7-bit: text quoted-printable, attachments base64, so a PGP/MIME signature survives relays).
 */
export async function buildMime(m: TransportMessage, fromName = ''): Promise<Buffer> {
  const composer = new MailComposer({
    from: fromName ? { name: fromName, address: m.from } : m.from,
    to: m.to,
    subject: m.subject,
    // Always quoted-printable (never 7bit/8bit): trailing spaces and long lines survive relays.
    text: { content: m.text, contentTransferEncoding: 'quoted-printable' },
    ...(m.html !== null ? { html: { content: m.html, contentTransferEncoding: 'quoted-printable' } } : {}),
    headers: m.headers,
    messageId: m.messageId,
    ...(m.inReplyTo ? { inReplyTo: m.inReplyTo } : {}),
    ...(m.references.length ? { references: m.references } : {}),
    date: m.date,
    textEncoding: 'quoted-printable',
    attachments: m.attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      content: Buffer.from(a.content),
      contentTransferEncoding: 'base64',
    })),
  });
  const raw = await composer.compile().build();
  // SMTP sends CRLF line ends; write them so here already (a signature covers these exact bytes).
  return Buffer.from(raw.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}

/** Splits a message into its header block (without the blank line) and its body. */
export function splitMessage(raw: Buffer): { header: string; body: Buffer } {
  const at = raw.indexOf('\r\n\r\n');
  if (at < 0) return { header: raw.toString('latin1'), body: Buffer.alloc(0) };
  return { header: raw.subarray(0, at).toString('latin1'), body: raw.subarray(at + 4) };
}

/** Header fields of a header block, each with its folded continuation lines, in order. */
export function headerFields(header: string): string[] {
  const fields: string[] = [];
  for (const line of header.split('\r\n')) {
    if (/^[ \t]/.test(line) && fields.length) fields[fields.length - 1] += `\r\n${line}`;
    else if (line !== '') fields.push(line);
  }
  return fields;
}

export function fieldName(field: string): string {
  return field.slice(0, field.indexOf(':')).trim().toLowerCase();
}
