import { parse as parseYaml } from 'yaml';
import type { RsitType } from '../../core/incidents/categories.ts';
import { decodeText } from '../charset.ts';
import { parseFields } from './arf.ts';
import {
  asString,
  displayNameOf,
  classifyRsit,
  clip,
  fail,
  isPlainObject,
  ObservableCollector,
  toIsoUtc,
} from './shared.ts';
import type { MachineReportResult, MailAttachment, MailInput } from './types.ts';

/** X-ARF 0.2 `Report-Type` values (and common spellings) and what they are filed as. */
const REPORT_TYPE_RSIT: Readonly<Record<string, RsitType>> = {
  'login-attack': 'intrusion-attempts/brute-force',
  'brute-force': 'intrusion-attempts/brute-force',
  bruteforce: 'intrusion-attempts/brute-force',
  'hack-attack': 'intrusion-attempts/exploit',
  'hacking-attempt': 'intrusion-attempts/exploit',
  exploit: 'intrusion-attempts/exploit',
  'sql-injection': 'intrusion-attempts/exploit',
  portscan: 'information-gathering/scanner',
  'port-scan': 'information-gathering/scanner',
  scan: 'information-gathering/scanner',
  'vulnerability-scan': 'information-gathering/scanner',
  harvesting: 'information-gathering/scanner',
  phishing: 'fraud/phishing',
  fraud: 'fraud/masquerade',
  spam: 'abusive-content/spam',
  'spam-mail': 'abusive-content/spam',
  ddos: 'availability/ddos',
  dos: 'availability/dos',
  defacement: 'information-content-security/unauthorised-information-modification',
  malware: 'malicious-code/infected-system',
  virus: 'malicious-code/infected-system',
  trojan: 'malicious-code/infected-system',
  bot: 'malicious-code/infected-system',
  botnet: 'malicious-code/infected-system',
  'botnet-drone': 'malicious-code/infected-system',
  'cc-server': 'malicious-code/c2-server',
  'c2-server': 'malicious-code/c2-server',
  copyright: 'fraud/copyright',
  'open-service': 'vulnerable/potentially-unwanted-accessible',
  'open-resolver': 'vulnerable/ddos-amplifier',
  vulnerability: 'vulnerable/vulnerable-system',
  'child-abuse': 'abusive-content/violence',
  info: 'other/other',
};

/** Fallback by `Category` when the Report-Type is unknown. */
const CATEGORY_RSIT: Readonly<Record<string, RsitType>> = {
  abuse: 'other/other',
  fraud: 'fraud/masquerade',
  info: 'other/other',
  malware: 'malicious-code/infected-system',
};

const REQUIRED = ['Report-Type', 'Source-Type', 'Source'] as const;

/** Largest report.txt read: it is a dozen short fields. */
const MAX_REPORT_TXT = 1024 * 1024;

/** True when the message says it is an X-ARF report (`X-ARF: yes`, or AbuseIO-style `X-XARF`). */
export function looksLikeXArf(mail: MailInput): boolean {
  const xarf = mail.headers['x-arf'];
  if (xarf !== undefined && /^\s*yes\b/i.test(xarf)) return true;
  return mail.headers['x-xarf'] !== undefined;
}

function reportPart(mail: MailInput): MailAttachment | undefined {
  return (
    mail.attachments.find((a) => /(^|\/)report\.txt$/i.test(a.filename)) ??
    mail.attachments.find((a) => /yaml/.test(a.contentType))
  );
}

/**
 * The `report.txt` block when mailparser merged it into the text (a `text/plain; name=report.txt`
 * part without a Content-Disposition is not an attachment to mailparser): the last run of
 * `Key: value` lines that contains a Report-Type.
 */
function reportBlockFromText(text: string): string | null {
  const lines = text.split(/\r\n|\r|\n/);
  let best: string[] | null = null;
  let run: string[] = [];
  const close = (): void => {
    if (run.some((l) => /^Report-Type\s*:/i.test(l))) best = run;
    run = [];
  };
  for (const line of lines) {
    if (/^[A-Za-z][A-Za-z0-9-]*\s*:/.test(line) || (run.length > 0 && /^[ \t]+\S/.test(line))) run.push(line);
    else close();
  }
  close();
  const block = best as string[] | null;
  return block ? block.join('\n') : null;
}

/**
 * The fields of report.txt, names lower-cased. It is YAML (read with the failsafe schema, so every
 * scalar stays a string, and no aliases); real senders write plain `Key: value` lines that are not
 * always valid YAML (`User-Agent: x: y`), which are then read as header-style fields.
 */
function readReport(source: string): Record<string, unknown> | null {
  let doc: unknown = null;
  try {
    doc = parseYaml(source, { schema: 'failsafe', maxAliasCount: 0, uniqueKeys: false, prettyErrors: false });
  } catch {
    doc = null;
  }
  const out: Record<string, unknown> = {};
  if (isPlainObject(doc)) {
    for (const [k, v] of Object.entries(doc)) out[k.toLowerCase()] = v;
    return out;
  }
  const fields = parseFields(source);
  if (fields.size === 0) return null;
  for (const [k, v] of fields) out[k] = v[0] ?? '';
  return out;
}

/** Parses an X-ARF 0.2 report (`X-ARF: yes`, human part, `report.txt`, optional evidence). */
export function parseXArf(mail: MailInput): MachineReportResult {
  const part = reportPart(mail);
  const source = part ? decodeText(part.content, part.charset ?? 'utf-8') : reportBlockFromText(mail.text);
  if (source !== null && source.length > MAX_REPORT_TXT)
    return fail('x-arf', `x-arf: report.txt is larger than ${MAX_REPORT_TXT} bytes`);
  if (source === null || source.trim() === '')
    return fail('x-arf', 'x-arf: X-ARF message has no report.txt part (text/plain; name=report.txt)');
  const report = readReport(source);
  if (report === null) return fail('x-arf', 'x-arf: report.txt has no "Key: value" fields');
  const field = (name: string): string => asString(report[name.toLowerCase()]);

  for (const name of REQUIRED)
    if (field(name) === '') return fail('x-arf', `x-arf: report.txt: ${name}: missing`);

  const reportType = field('Report-Type').toLowerCase();
  const category = field('Category').toLowerCase();
  const sourceType = field('Source-Type').toLowerCase();
  let rsit: RsitType = REPORT_TYPE_RSIT[reportType] ?? CATEGORY_RSIT[category] ?? 'other/other';
  if (rsit === 'malicious-code/infected-system' && /^(uri|url)$/.test(sourceType))
    rsit = 'malicious-code/malware-distribution';

  const observables = new ObservableCollector();
  const sourceValue = field('Source');
  if (!observables.add(sourceValue) && /^(ipv4|ipv6|ip-address|ip|uri|url|email|domain)$/.test(sourceType))
    return fail(
      'x-arf',
      `x-arf: report.txt: Source: ${JSON.stringify(sourceValue)} is not a valid ${sourceType}`,
    );

  const date = field('Date');
  const occurredAt = toIsoUtc(date);
  if (date !== '' && occurredAt === null)
    return fail('x-arf', `x-arf: report.txt: Date: ${JSON.stringify(date)} is not a date`);

  const reportedFrom = field('Reported-From');
  const meta: Record<string, unknown> = {
    reportType,
    category,
    sourceType,
    source: sourceValue,
    port: field('Port') || null,
    service: field('Service') || null,
    reportId: field('Report-ID') || null,
    userAgent: field('User-Agent') || null,
    version: field('Version') || null,
    schemaUrl: field('Schema-URL') || null,
    attachment: field('Attachment') || null,
    reportedFrom: reportedFrom || null,
  };
  const human = part ? mail.text : mail.text.replace(source, '');
  return {
    ok: true,
    format: 'x-arf',
    reports: [
      {
        format: 'x-arf',
        ...classifyRsit(rsit),
        subject: mail.subject.trim() || `X-ARF ${reportType} report for ${sourceValue}`,
        description: clip(human),
        occurredAt,
        reporter: {
          name: displayNameOf(mail.headers['from']),
          email: reportedFrom.toLowerCase() || mail.from,
          organisation: '',
        },
        observables: observables.values(),
        meta,
      },
    ],
  };
}
