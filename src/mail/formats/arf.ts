import type { RsitType } from '../../core/incidents/categories.ts';
import { normaliseIp } from '../../core/incidents/observables.ts';
import { decodeText } from '../charset.ts';
import {
  classifyRsit,
  clip,
  displayNameOf,
  fail,
  ObservableCollector,
  parseContentType,
  toIsoUtc,
} from './shared.ts';
import type { MachineReportResult, MailAttachment, MailInput } from './types.ts';

/** ARF feedback types (RFC 5965 §7.3 registry, RFC 6591 auth-failure) and what they are filed as. */
const FEEDBACK_RSIT: Readonly<Record<string, RsitType>> = {
  abuse: 'abusive-content/spam',
  fraud: 'fraud/phishing',
  virus: 'malicious-code/infected-system',
  'auth-failure': 'fraud/masquerade',
  'not-spam': 'other/other',
  'opt-out': 'other/other',
  other: 'other/other',
};

/**
 * Header-style `Name: value` fields (folded lines joined), names lower-cased, every occurrence
 * kept in order. Stops at the first blank line when `headersOnly`.
 */
export function parseFields(text: string, headersOnly = false): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  let name = '';
  let value = '';
  const flush = (): void => {
    if (name === '') return;
    const list = fields.get(name) ?? [];
    list.push(value.replace(/\s+/g, ' ').trim());
    fields.set(name, list);
    name = '';
    value = '';
  };
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line.trim() === '') {
      flush();
      if (headersOnly) break;
      continue;
    }
    if (/^[ \t]/.test(line)) {
      if (name !== '') value += ` ${line.trim()}`;
      continue;
    }
    flush();
    const m = /^([!-9;-~]+):[ \t]*(.*)$/.exec(line);
    if (m) {
      name = (m[1] ?? '').toLowerCase();
      value = m[2] ?? '';
    }
  }
  flush();
  return fields;
}

function first(fields: Map<string, string[]>, name: string): string {
  return fields.get(name)?.[0] ?? '';
}

function isFeedbackPart(a: MailAttachment): boolean {
  return a.contentType === 'message/feedback-report';
}

function isOriginalPart(a: MailAttachment): boolean {
  return (
    a.contentType === 'message/rfc822' ||
    a.contentType === 'text/rfc822-headers' ||
    a.contentType === 'text/rfc822-header' ||
    a.contentType === 'message/rfc822-headers'
  );
}

/** True when the message is (or carries) an RFC 5965 feedback report. */
export function looksLikeArf(mail: MailInput): boolean {
  const ct = parseContentType(mail.contentType);
  if (ct.type === 'multipart/report' && (ct.params['report-type'] ?? '').toLowerCase() === 'feedback-report')
    return true;
  return mail.attachments.some(isFeedbackPart);
}

/** The IP in the topmost `Received: from … [ip]` header of the original message, if any. */
function topReceivedIp(original: Map<string, string[]>): string | null {
  const received = original.get('received')?.[0];
  if (!received) return null;
  const m = /\[(?:IPv6:)?([0-9A-Fa-f:.]+)\]/.exec(received) ?? /\(([0-9.]{7,15})\)/.exec(received);
  return m ? normaliseIp(m[1] ?? '') : null;
}

/** Parses an ARF (RFC 5965) or DMARC failure (RFC 6591) report. Call only when `looksLikeArf`. */
export function parseArf(mail: MailInput): MachineReportResult {
  const part = mail.attachments.find(isFeedbackPart);
  if (!part)
    return fail(
      'arf',
      'arf: multipart/report of report-type feedback-report has no message/feedback-report part',
    );
  const fields = parseFields(decodeText(part.content, part.charset ?? 'utf-8'));
  const feedbackType = first(fields, 'feedback-type').toLowerCase();
  if (feedbackType === '') return fail('arf', 'arf: message/feedback-report: Feedback-Type: missing');
  const rsit = FEEDBACK_RSIT[feedbackType] ?? 'other/other';

  const originalPart = mail.attachments.find(isOriginalPart);
  const original = originalPart
    ? parseFields(decodeText(originalPart.content, originalPart.charset ?? 'utf-8'), true)
    : new Map<string, string[]>();

  const warnings: string[] = [];
  const observables = new ObservableCollector();
  const sourceIpText = first(fields, 'source-ip');
  const sourceIp = sourceIpText ? normaliseIp(sourceIpText) : null;
  if (sourceIpText && !sourceIp)
    warnings.push(`Source-IP ${JSON.stringify(sourceIpText)} is not an IP address`);
  if (sourceIp) observables.add(sourceIp);
  else {
    const received = topReceivedIp(original);
    if (received) observables.add(received);
  }
  for (const domain of fields.get('reported-domain') ?? []) observables.add(domain);
  for (const uri of fields.get('reported-uri') ?? []) observables.addUri(uri);
  for (const from of fields.get('original-mail-from') ?? []) observables.add(from);

  const arrival = first(fields, 'arrival-date') || first(fields, 'received-date');
  const meta: Record<string, unknown> = {
    feedbackType,
    userAgent: first(fields, 'user-agent'),
    version: first(fields, 'version'),
    sourceIp: sourceIp ?? (sourceIpText || null),
    reportedDomains: fields.get('reported-domain') ?? [],
    reportedUris: fields.get('reported-uri') ?? [],
    originalMailFrom: first(fields, 'original-mail-from'),
    originalRcptTo: fields.get('original-rcpt-to') ?? [],
    reportingMta: first(fields, 'reporting-mta'),
    authenticationResults: first(fields, 'authentication-results'),
    incidents: first(fields, 'incidents'),
    originalSubject: first(original, 'subject'),
    originalMessageId: first(original, 'message-id'),
    originalFrom: first(original, 'from'),
  };
  if (feedbackType === 'auth-failure') {
    meta['authFailure'] = first(fields, 'auth-failure');
    meta['deliveryResult'] = first(fields, 'delivery-result');
    meta['dkimDomain'] = first(fields, 'dkim-domain');
    meta['spfDns'] = first(fields, 'spf-dns');
    meta['identityAlignment'] = first(fields, 'identity-alignment');
  }
  if (!(feedbackType in FEEDBACK_RSIT))
    warnings.push(`unregistered Feedback-Type ${JSON.stringify(feedbackType)}`);
  if (!originalPart) warnings.push('no original message or headers part');
  if (warnings.length > 0) meta['warnings'] = warnings;

  const domain = first(fields, 'reported-domain');
  const label =
    feedbackType === 'auth-failure' ? 'DMARC/authentication failure report' : `ARF ${feedbackType} report`;
  return {
    ok: true,
    format: 'arf',
    reports: [
      {
        format: 'arf',
        ...classifyRsit(rsit),
        subject: mail.subject.trim() || `${label}${domain ? ` for ${domain}` : ''}`,
        description: clip(mail.text),
        occurredAt: toIsoUtc(arrival),
        reporter: { name: displayNameOf(mail.headers['from']), email: mail.from, organisation: '' },
        observables: observables.values(),
        meta,
      },
    ],
  };
}
