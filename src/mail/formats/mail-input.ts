import { simpleParser } from 'mailparser';
import type {
  AddressObject,
  Attachment,
  HeaderValue,
  ParsedMail,
  SimpleParserOptions,
  StructuredHeader,
} from 'mailparser';
import type { MailAttachment, MailInput } from './types.ts';

/**
 * Options for mailparser's `simpleParser` that every caller of `toMailInput` should use:
 * embedded messages (`message/rfc822`, e.g. the third part of an ARF report or a forwarded
 * message) are kept as attachments with their full headers instead of being flattened into the
 * text, and nothing is spent on HTML image links, text-to-HTML or attachment checksums.
 */
export const MAIL_PARSER_OPTIONS: SimpleParserOptions = {
  ignoreEmbedded: true,
  keepCidLinks: true,
  skipImageLinks: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  checksumAlgo: false,
};

/**
 * Parses a raw RFC 5322 message with `MAIL_PARSER_OPTIONS` and maps it with `toMailInput`. A
 * message with bare-CR line ends only (old Mac mail) is converted to CRLF first, which mailparser
 * needs. Rejects when mailparser does.
 */
export async function parseMailInput(raw: Buffer | string): Promise<MailInput> {
  return toMailInput(await simpleParser(normaliseLineEnds(raw), MAIL_PARSER_OPTIONS));
}

/** CR-only line ends to CRLF, when the head of the message has no LF at all. */
export function normaliseLineEnds(raw: Buffer | string): Buffer | string {
  const buf = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  const head = buf.subarray(0, 65536);
  if (head.indexOf(0x0a) !== -1 || head.indexOf(0x0d) === -1) return raw;
  const out = Buffer.alloc(buf.length * 2);
  let n = 0;
  for (const byte of buf) {
    out[n++] = byte;
    if (byte === 0x0d) out[n++] = 0x0a;
  }
  return out.subarray(0, n);
}

/**
 * The one place that maps mailparser output to `MailInput`: header names lower-cased (repeated
 * headers joined with ", ", address headers as text, Date/Content-Type/structured headers as their
 * unfolded raw value), `from` as the lower-cased address of the first From mailbox, the top-level
 * Content-Type with its parameters (`multipart/report; report-type=feedback-report; boundary=…`,
 * `text/plain` when absent), and every attachment with its content as a Buffer.
 */
export function toMailInput(parsed: ParsedMail): MailInput {
  return {
    from: firstAddress(parsed.from),
    subject: parsed.subject ?? '',
    headers: mapHeaders(parsed),
    contentType: topContentType(parsed),
    text: parsed.text ?? '',
    html: typeof parsed.html === 'string' ? parsed.html : '',
    attachments: parsed.attachments.map(mapAttachment),
  };
}

function firstAddress(from: AddressObject | undefined): string {
  for (const entry of from?.value ?? []) {
    if (entry.address) return entry.address.trim().toLowerCase();
    for (const member of entry.group ?? []) if (member.address) return member.address.trim().toLowerCase();
  }
  return '';
}

function isAddressObject(v: unknown): v is AddressObject {
  return (
    typeof v === 'object' &&
    v !== null &&
    'value' in v &&
    'text' in v &&
    Array.isArray((v as AddressObject).value)
  );
}

function unfold(s: string): string {
  return s
    .replace(/\r?\n[ \t]+/g, ' ')
    .replace(/[\r\n]+/g, ' ')
    .trim();
}

function rawValues(parsed: ParsedMail, key: string): string[] {
  const out: string[] = [];
  for (const { key: k, line } of parsed.headerLines) {
    if (k !== key) continue;
    const colon = line.indexOf(':');
    out.push(unfold(colon === -1 ? '' : line.slice(colon + 1)));
  }
  return out;
}

function headerText(parsed: ParsedMail, key: string, value: HeaderValue | undefined): string {
  if (typeof value === 'string') return value.trim();
  if (Array.isArray(value) && value.every((v) => typeof v === 'string'))
    return (value as string[]).join(', ');
  if (isAddressObject(value)) return value.text;
  if (Array.isArray(value) && value.every(isAddressObject))
    return (value as AddressObject[]).map((a) => a.text).join(', ');
  return rawValues(parsed, key).join(', ');
}

function mapHeaders(parsed: ParsedMail): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const { key } of parsed.headerLines) {
    if (Object.prototype.hasOwnProperty.call(headers, key)) continue;
    headers[key] = headerText(parsed, key, parsed.headers.get(key));
  }
  return headers;
}

function quoteParam(v: string): string {
  return /^[A-Za-z0-9!#$&+.^_`|~-]+$/.test(v) ? v : JSON.stringify(v);
}

function formatStructured(h: StructuredHeader): string {
  const params = Object.entries(h.params).map(([k, v]) => `; ${k}=${quoteParam(v)}`);
  return `${h.value.trim().toLowerCase()}${params.join('')}`;
}

function isStructured(v: unknown): v is StructuredHeader {
  return (
    typeof v === 'object' && v !== null && typeof (v as StructuredHeader).value === 'string' && 'params' in v
  );
}

function topContentType(parsed: ParsedMail): string {
  const ct = parsed.headers.get('content-type');
  if (isStructured(ct) && ct.value.trim() !== '') return formatStructured(ct);
  return 'text/plain';
}

function mapAttachment(a: Attachment): MailAttachment {
  const ct = a.headers.get('content-type');
  const charset = isStructured(ct) ? ct.params['charset'] : undefined;
  const out: MailAttachment = {
    filename: a.filename ?? '',
    contentType: (a.contentType || 'application/octet-stream').toLowerCase(),
    content: Buffer.isBuffer(a.content) ? a.content : Buffer.from(a.content),
  };
  if (charset) out.charset = charset.toLowerCase();
  return out;
}
