import { decodeText } from '../charset.ts';
import { looksLikeArf, parseArf } from './arf.ts';
import { readIodef } from './iodef.ts';
import { parseContentType } from './shared.ts';
import type { MachineReportResult, MailAttachment, MailInput } from './types.ts';
import { looksLikeXArf, parseXArf } from './x-arf.ts';
import { isXarfV3, parseXarfV3 } from './xarf-v3.ts';
import { isXarfV4, parseXarfV4 } from './xarf-v4.ts';

export type * from './types.ts';
export { MAIL_PARSER_OPTIONS, parseMailInput, toMailInput } from './mail-input.ts';
export { parseContentType } from './shared.ts';

/** Content types of a bare XARF (v3/v4) JSON document. */
export const XARF_CONTENT_TYPES = ['application/json', 'application/xarf+json', 'text/json'] as const;
/** Content types of a bare IODEF 1.0/2.0 XML document. */
export const IODEF_CONTENT_TYPES = ['application/iodef+xml', 'application/xml', 'text/xml'] as const;
/** Every content type `parseMachineDocument` accepts as a bare document (for the API route). */
export const MACHINE_DOCUMENT_CONTENT_TYPES: readonly string[] = [
  ...XARF_CONTENT_TYPES,
  ...IODEF_CONTENT_TYPES,
];

/** Largest JSON document read (bytes). */
const MAX_JSON_SIZE = 10 * 1024 * 1024;

type Outcome = { kind: 'not-this'; error: string } | { kind: 'result'; result: MachineReportResult };

function readXarfJson(text: string): Outcome {
  if (text.length > MAX_JSON_SIZE)
    return {
      kind: 'result',
      result: { ok: false, format: 'xarf-v4', error: `xarf: document is larger than ${MAX_JSON_SIZE} bytes` },
    };
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    return { kind: 'not-this', error: `xarf: not valid JSON: ${(e as Error).message}` };
  }
  if (isXarfV4(doc)) return { kind: 'result', result: parseXarfV4(doc) };
  if (isXarfV3(doc)) return { kind: 'result', result: parseXarfV3(doc) };
  return {
    kind: 'not-this',
    error:
      'xarf: JSON is not an XARF report (no "xarf_version" for v4, nor "Version"/"ReporterInfo"/"Report" for v3)',
  };
}

function readIodefText(text: string): Outcome {
  const outcome = readIodef(text);
  return outcome.kind === 'result' ? outcome : { kind: 'not-this', error: outcome.error };
}

function isJsonType(type: string, filename = ''): boolean {
  return (
    (XARF_CONTENT_TYPES as readonly string[]).includes(type) ||
    /\+json$/.test(type) ||
    /\.json$/i.test(filename)
  );
}

function isXmlType(type: string, filename = ''): boolean {
  return (
    (IODEF_CONTENT_TYPES as readonly string[]).includes(type) ||
    /\+xml$/.test(type) ||
    /\.xml$/i.test(filename)
  );
}

function attachmentText(a: MailAttachment): string {
  return decodeText(a.content, a.charset ?? 'utf-8');
}

/**
 * Recognises a machine-readable abuse report (ARF, X-ARF 0.2, XARF v3/v4 JSON, IODEF 1.0/2.0) in a
 * parsed message. `null`: not machine-readable (a plain report); `{ ok: false }`: it claims a
 * format but is invalid, with a message that says what is wrong. Never throws.
 */
export function parseMachineReport(mail: MailInput): MachineReportResult | null {
  try {
    return detectInMail(mail);
  } catch (e) {
    // A parser bug must not take the listener down: report it as an invalid document.
    return { ok: false, format: 'arf', error: `machine report could not be read: ${(e as Error).message}` };
  }
}

function detectInMail(mail: MailInput): MachineReportResult | null {
  if (looksLikeArf(mail)) return parseArf(mail);
  let xarf: MachineReportResult | null = null;
  if (looksLikeXArf(mail)) {
    xarf = parseXArf(mail);
    // `X-ARF: yes` on a message that carries XARF JSON instead of report.txt: read the JSON.
    if (xarf.ok || !xarf.error.includes('no report.txt part')) return xarf;
  }
  const top = parseContentType(mail.contentType).type;
  // The whole message is the document (Content-Type: application/json or …xml): no other reading.
  const bodyIsDocument = (isJsonType(top) || isXmlType(top)) && mail.attachments.length === 1;
  for (const a of mail.attachments) {
    const explicit = bodyIsDocument || /xarf|iodef/.test(a.contentType);
    let outcome: Outcome | null = null;
    if (isJsonType(a.contentType, a.filename)) outcome = readXarfJson(attachmentText(a));
    else if (isXmlType(a.contentType, a.filename)) outcome = readIodefText(attachmentText(a));
    if (!outcome) continue;
    if (outcome.kind === 'result') return outcome.result;
    if (explicit)
      return {
        ok: false,
        format: isJsonType(a.contentType, a.filename) ? 'xarf-v4' : 'iodef-2',
        error: outcome.error,
      };
  }
  const body = mail.text.trim();
  if (body.startsWith('{')) {
    const outcome = readXarfJson(body);
    if (outcome.kind === 'result') return outcome.result;
  } else if (body.startsWith('<') && /IODEF-Document/.test(body)) {
    const outcome = readIodefText(body);
    if (outcome.kind === 'result') return outcome.result;
    return { ok: false, format: 'iodef-2', error: outcome.error };
  }
  return xarf;
}

/**
 * The same for a bare document (API upload, a file): XARF v3/v4 JSON or IODEF 1.0/2.0 XML, by
 * content type (see `MACHINE_DOCUMENT_CONTENT_TYPES`) or, for any other type, by sniffing the
 * first character. `null`: not a format this knows. Never throws.
 */
export function parseMachineDocument(contentType: string, body: Buffer): MachineReportResult | null {
  try {
    const { type, params } = parseContentType(contentType);
    const text = decodeText(body, params['charset'] ?? 'utf-8');
    const start = text.replace(/^\uFEFF/, '').trimStart();
    if (isJsonType(type)) {
      const outcome = readXarfJson(text);
      return outcome.kind === 'result'
        ? outcome.result
        : { ok: false, format: 'xarf-v4', error: outcome.error };
    }
    if (isXmlType(type)) {
      const outcome = readIodefText(start);
      return outcome.kind === 'result'
        ? outcome.result
        : { ok: false, format: 'iodef-2', error: outcome.error };
    }
    if (start.startsWith('{')) {
      const outcome = readXarfJson(text);
      return outcome.kind === 'result' ? outcome.result : null;
    }
    if (start.startsWith('<')) {
      const outcome = readIodefText(start);
      return outcome.kind === 'result' ? outcome.result : null;
    }
    return null;
  } catch (e) {
    return { ok: false, format: 'xarf-v4', error: `document could not be read: ${(e as Error).message}` };
  }
}
