import type { RsitType } from '../../core/incidents/categories.ts';
import { isIp } from '../../core/incidents/observables.ts';
import {
  asString,
  classifyRsit,
  clip,
  fail,
  isEmailAddress,
  isIsoDateTime,
  isPlainObject,
  ObservableCollector,
  show,
  toIsoUtc,
} from './shared.ts';
import type { MachineReportResult } from './types.ts';

/**
 * XARF v3 JSON (abusix/xarf: `Version`, `ReporterInfo`, `Disclosure`, `Report{ReportClass,
 * ReportType, …}`), schema versions "1", "2", "3", "alpha" and "development". A document without
 * `Version` is read as the oldest ("alpha") rules, as two upstream samples have none.
 */
export const XARF_V3_VERSIONS = ['1', '2', '3', 'alpha', 'development'] as const;

type Source = 'ip' | 'ip-or-url' | 'url' | 'none';

interface TypeSpec {
  classes: readonly string[];
  rsit: RsitType;
  source: Source;
  required?: readonly string[];
}

const TYPES: Readonly<Record<string, TypeSpec>> = {
  Spam: { classes: ['Activity', 'Content'], rsit: 'abusive-content/spam', source: 'ip' },
  Spamvertised: { classes: ['Content'], rsit: 'abusive-content/spam', source: 'ip-or-url' },
  Trap: { classes: ['Activity'], rsit: 'abusive-content/spam', source: 'ip' },
  LoginAttack: { classes: ['Activity'], rsit: 'intrusion-attempts/brute-force', source: 'ip' },
  PortScan: { classes: ['Activity'], rsit: 'information-gathering/scanner', source: 'ip' },
  WebCrawler: { classes: ['Activity'], rsit: 'information-gathering/scanner', source: 'ip' },
  DOS: { classes: ['Activity'], rsit: 'availability/dos', source: 'ip' },
  Botnet: { classes: ['Content', 'Activity'], rsit: 'malicious-code/infected-system', source: 'ip' },
  Bot: { classes: ['Activity'], rsit: 'malicious-code/infected-system', source: 'ip' },
  Malware: {
    classes: ['Content', 'Activity'],
    rsit: 'malicious-code/malware-distribution',
    source: 'ip-or-url',
  },
  Phishing: { classes: ['Content'], rsit: 'fraud/phishing', source: 'ip-or-url' },
  Copyright: {
    classes: ['Content'],
    rsit: 'fraud/copyright',
    source: 'ip-or-url',
    required: ['InfringedMaterial'],
  },
  Trademark: {
    classes: ['Content'],
    rsit: 'fraud/masquerade',
    source: 'url',
    required: ['TrademarkedMaterial'],
  },
  ChildAbuse: { classes: ['Content'], rsit: 'abusive-content/violence', source: 'ip-or-url' },
  ChildSexualAbuseMaterial: { classes: ['Content'], rsit: 'abusive-content/violence', source: 'url' },
  Violence: { classes: ['Content'], rsit: 'abusive-content/violence', source: 'ip-or-url' },
  Harassment: {
    classes: ['Activity', 'Content'],
    rsit: 'abusive-content/harmful-speech',
    source: 'url',
    required: ['Harasser', 'HarassmentDescription', 'HarassmentType', 'HarassmentLocation'],
  },
  IdentityTheft: { classes: ['Activity', 'Content'], rsit: 'fraud/masquerade', source: 'ip-or-url' },
  OpenService: {
    classes: ['Vulnerability'],
    rsit: 'vulnerable/potentially-unwanted-accessible',
    source: 'ip',
    required: ['ServiceName'],
  },
  Vulnerability: { classes: ['Vulnerability'], rsit: 'vulnerable/vulnerable-system', source: 'ip-or-url' },
  Exploit: { classes: ['Activity'], rsit: 'intrusion-attempts/exploit', source: 'ip' },
  Webhack: { classes: ['Activity'], rsit: 'intrusion-attempts/exploit', source: 'ip-or-url' },
  PotentiallyCompromisedAccount: {
    classes: ['Activity'],
    rsit: 'intrusions/unprivileged-account-compromise',
    source: 'none',
    required: ['Account'],
  },
};

const CLASSES = ['Content', 'Activity', 'Vulnerability'];
const HOSTNAME_RE =
  /^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)(\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)*\.?$/i;
const URI_RE = /^[a-z][a-z0-9+.-]*:[^\s]+$/i;
const CVE_RE = /^CVE-\d{4}-\d{4,}$/;
const HASH_ALGORITHMS = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512', 'ssdeep', 'tlsh'];

type Check = (v: unknown) => string | null;

const isString: Check = (v) => (typeof v === 'string' ? null : 'must be a string');
const minString =
  (n: number): Check =>
  (v) =>
    typeof v !== 'string' ? 'must be a string' : v.length < n ? `must be at least ${n} characters` : null;
const isBoolean: Check = (v) => (typeof v === 'boolean' ? null : 'must be true or false');
const isInteger =
  (min = -Infinity, max = Infinity): Check =>
  (v) =>
    !Number.isInteger(v)
      ? `${show(v)} is not an integer`
      : (v as number) < min || (v as number) > max
        ? max === Infinity
          ? `${show(v)} must be at least ${min}`
          : `${show(v)} is out of range (${min}-${max})`
        : null;
const isPort = isInteger(0, 65535);
const isIpValue: Check = (v) => (typeof v === 'string' && isIp(v) ? null : `${show(v)} is not an IP address`);
const isEmail: Check = (v) => (isEmailAddress(v) ? null : `${show(v)} is not an e-mail address`);
const isDateTime: Check = (v) => (isIsoDateTime(v) ? null : `${show(v)} is not an ISO 8601 date-time`);
const isUri: Check = (v) => (typeof v === 'string' && URI_RE.test(v) ? null : `${show(v)} is not a URI`);
const isHostname: Check = (v) =>
  typeof v === 'string' && HOSTNAME_RE.test(v) ? null : `${show(v)} is not a host name`;
const oneOf =
  (values: readonly string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v) ? null : `${show(v)} is not one of ${values.join(', ')}`;
const portOrPorts: Check = (v) => {
  if (Array.isArray(v)) {
    for (const p of v) {
      const e = isPort(p);
      if (e) return e;
    }
    return null;
  }
  return isPort(v);
};
const hashCheck: Check = (v) => {
  if (typeof v === 'string') return null;
  if (!isPlainObject(v)) return 'must be a hash string or {HashValue, HashAlgorithm}';
  if (typeof v['HashValue'] !== 'string') return 'HashValue: missing';
  const algorithm = v['HashAlgorithm'];
  if (typeof algorithm !== 'string' || !HASH_ALGORITHMS.includes(algorithm.toLowerCase()))
    return `HashAlgorithm: ${show(algorithm)} is not one of ${HASH_ALGORITHMS.join(', ')}`;
  return null;
};
const customCheck: Check = (v) => {
  if (!isPlainObject(v)) return 'must be an object';
  for (const [k, x] of Object.entries(v))
    if (typeof x !== 'string' && !Number.isInteger(x))
      return `${k}: ${show(x)} must be a string or an integer`;
  return null;
};
const cvssCheck: Check = (v) => {
  if (!isPlainObject(v)) return 'must be an object';
  const version = v['Version'];
  if (typeof version !== 'string' || !['2', '2.0', '3.0', '3.1'].includes(version))
    return `Version: ${show(version)} is not one of 2.0, 3.0, 3.1`;
  if (v['Score'] !== undefined && (typeof v['Score'] !== 'number' || v['Score'] < 0 || v['Score'] > 10))
    return `Score: ${show(v['Score'])} is not a number between 0 and 10`;
  const vector = v['Vector'];
  if (vector !== undefined) {
    if (typeof vector !== 'string') return 'Vector: must be a string';
    const m = /^CVSS:(\d\.\d)\//.exec(vector);
    const vectorVersion = m ? m[1] : '2.0';
    if (vectorVersion !== (version === '2' ? '2.0' : version))
      return `Vector: ${show(vector)} does not match Version ${version}`;
  }
  return null;
};
const accountCheck: Check = (v) => {
  if (!isPlainObject(v)) return 'must be an object';
  const keys = ['AccountName', 'AccountEmail', 'AccountIdentifier', 'AccountNumber'];
  if (!keys.some((k) => v[k] !== undefined)) return `needs one of ${keys.join(', ')}`;
  if (v['AccountEmail'] !== undefined && isEmail(v['AccountEmail']))
    return `AccountEmail: ${isEmail(v['AccountEmail'])}`;
  if (v['AccountName'] !== undefined && typeof v['AccountName'] !== 'string')
    return 'AccountName: must be a string';
  const id = v['AccountIdentifier'];
  if (id !== undefined) {
    if (typeof id !== 'string') return 'AccountIdentifier: must be a string';
    if (isEmailAddress(id)) return 'AccountIdentifier: an e-mail address belongs in AccountEmail';
  }
  if (
    v['AccountNumber'] !== undefined &&
    !Number.isInteger(v['AccountNumber']) &&
    typeof v['AccountNumber'] !== 'string'
  )
    return 'AccountNumber: must be a number or a string';
  return null;
};
const samplesCheck: Check = (v) => {
  if (!Array.isArray(v)) return 'must be an array';
  if (v.length === 0) return 'must not be empty';
  for (let i = 0; i < v.length; i++) {
    const s: unknown = v[i];
    if (!isPlainObject(s)) return `[${i}]: must be an object`;
    const isFile = typeof s['FileName'] === 'string';
    if (!isFile && s['ContentType'] === undefined) return `[${i}].ContentType: missing`;
    if (!isFile && s['Payload'] === undefined) return `[${i}].Payload: missing`;
    if (s['ContentType'] !== undefined && typeof s['ContentType'] !== 'string')
      return `[${i}].ContentType: must be a string`;
    if (s['Payload'] !== undefined && typeof s['Payload'] !== 'string')
      return `[${i}].Payload: must be a string`;
    if (s['Description'] !== undefined && typeof s['Description'] !== 'string')
      return `[${i}].Description: must be a string`;
    if (s['Base64Encoded'] !== undefined && typeof s['Base64Encoded'] !== 'boolean')
      return `[${i}].Base64Encoded: must be true or false`;
  }
  return null;
};

/** Type checks of the Report fields the upstream schemas define (any type). */
const REPORT_FIELDS: Readonly<Record<string, Check>> = {
  ReportSubType: isString,
  ReporterCaseID: isString,
  ReporterSeverity: oneOf(['low', 'medium', 'high']),
  ReporterNotes: isString,
  Date: isDateTime,
  FirstSeen: isDateTime,
  SourceIp: isIpValue,
  SourcePort: isPort,
  SourceUrl: isUri,
  ASN: isInteger(1, 4199999999),
  DestinationIp: isIpValue,
  DestinationPort: portOrPorts,
  AttackerIp: isIpValue,
  AttackerPort: isPort,
  SmtpMailFromAddress: isEmail,
  SmtpRcptToAddress: isEmail,
  FromAddress: isEmail,
  ByteCount: isInteger(),
  PacketCount: isInteger(),
  Ongoing: isBoolean,
  Samples: samplesCheck,
  Custom: customCheck,
  FileName: isString,
  FileSize: isInteger(0),
  FileHash: hashCheck,
  PasswordHash: hashCheck,
  InfringedMaterial: isString,
  InfringingUrl: isUri,
  MaterialType: isString,
  CourtOrder: isUri,
  TrademarkedMaterial: isString,
  RegistrationOffice: isString,
  RegistrationNumber: isString,
  RpzDomain: isHostname,
  MalwareName: isString,
  BotnetName: isString,
  DNSResolver: isString,
  ServiceName: isString,
  ServiceVersion: isString,
  TransportProtocol: oneOf(['tcp', 'udp', 'sctp', 'TCP', 'UDP', 'SCTP']),
  CVE: (v) => (typeof v === 'string' && CVE_RE.test(v) ? null : `${show(v)} is not a CVE id (CVE-YYYY-NNNN)`),
  CVSS: cvssCheck,
  Account: accountCheck,
  Harasser: isString,
  HarassmentDescription: isString,
  HarassmentType: isString,
  HarassmentLocation: isString,
};

const REPORTER_FIELDS: Readonly<Record<string, Check>> = {
  ReporterType: oneOf(['Org', 'Person']),
  ReporterOrg: minString(3),
  ReporterOrgDomain: isHostname,
  ReporterOrgEmail: isEmail,
  ReporterOrgAddress: isString,
  ReporterContactEmail: isEmail,
  ReporterContactName: minString(3),
  ReporterContactPhone: minString(3),
};

const COMPLAINANT_FIELDS: Readonly<Record<string, Check>> = {
  ComplainantOrg: minString(3),
  ComplainantOrgDomain: isHostname,
  ComplainantOrgEmail: isEmail,
  ComplainantContactEmail: isEmail,
  ComplainantContactName: minString(3),
  ComplainantContactPhone: minString(3),
};

function checkFields(
  obj: Record<string, unknown>,
  path: string,
  checks: Readonly<Record<string, Check>>,
): string | null {
  for (const [key, value] of Object.entries(obj)) {
    const check = checks[key];
    if (!check) continue;
    const error = check(value);
    if (!error) continue;
    // Nested problems name their own sub-path: `Report.Samples[0].Payload: …`, `Report.CVSS.Version: …`.
    if (error.startsWith('[')) return `${path}.${key}${error}`;
    if (/^[A-Z]\w*: /.test(error)) return `${path}.${key}.${error}`;
    return `${path}.${key}: ${error}`;
  }
  return null;
}

function stringMap(v: unknown, path: string): string | null {
  if (v === undefined) return null;
  if (!isPlainObject(v)) return `${path}: must be an object`;
  for (const [k, x] of Object.entries(v))
    if (typeof x !== 'string') return `${path}.${k}: ${show(x)} must be a string`;
  return null;
}

function checkInternalProcessing(v: unknown): string | null {
  if (!isPlainObject(v)) return 'InternalProcessing: must be an object';
  for (const part of ['SubscriberInformation', 'ContractInformation'] as const) {
    const info = v[part];
    if (info === undefined) continue;
    if (!isPlainObject(info)) return `InternalProcessing.${part}: must be an object`;
    if (info['ID'] !== undefined && typeof info['ID'] !== 'string')
      return `InternalProcessing.${part}.ID: ${show(info['ID'])} must be a string`;
    const data = part === 'SubscriberInformation' ? 'SubscriberData' : 'ResolverData';
    const e = stringMap(info[data], `InternalProcessing.${part}.${data}`);
    if (e) return e;
  }
  const tags = v['EventTags'];
  if (tags !== undefined) {
    if (!Array.isArray(tags)) return 'InternalProcessing.EventTags: must be an array';
    const bad = tags.find((t) => typeof t !== 'string');
    if (bad !== undefined) return `InternalProcessing.EventTags: ${show(bad)} must be a string`;
  }
  return null;
}

function validate(doc: Record<string, unknown>): string | null {
  const version = doc['Version'];
  if (
    version !== undefined &&
    (typeof version !== 'string' || !(XARF_V3_VERSIONS as readonly string[]).includes(version))
  )
    return `Version: ${show(version)} is not one of ${XARF_V3_VERSIONS.join(', ')}`;
  const rules = typeof version === 'string' ? version : 'alpha';

  const reporter = doc['ReporterInfo'];
  if (reporter === undefined) return 'ReporterInfo: missing';
  if (!isPlainObject(reporter)) return 'ReporterInfo: must be an object';
  if (reporter['ReporterType'] === 'Person') {
    // A person reports for themselves: a name, an address or an organisation is enough.
    const who = ['ReporterOrg', 'ReporterContactName', 'ReporterContactEmail'];
    if (!who.some((k) => reporter[k] !== undefined))
      return `ReporterInfo: a Person reporter needs one of ${who.join(', ')}`;
  } else {
    for (const key of ['ReporterOrg', 'ReporterOrgDomain', 'ReporterOrgEmail'])
      if (reporter[key] === undefined) return `ReporterInfo.${key}: missing`;
  }
  const unknownReporterKey = Object.keys(reporter).find((k) => !(k in REPORTER_FIELDS));
  if (unknownReporterKey) return `ReporterInfo.${unknownReporterKey}: unknown field`;
  const reporterError = checkFields(reporter, 'ReporterInfo', REPORTER_FIELDS);
  if (reporterError) return reporterError;

  if (doc['Disclosure'] === undefined) return 'Disclosure: missing';
  if (typeof doc['Disclosure'] !== 'boolean') return 'Disclosure: must be true or false';

  const onBehalfOf = doc['OnBehalfOf'];
  if (onBehalfOf !== undefined) {
    if (!isPlainObject(onBehalfOf)) return 'OnBehalfOf: must be an object';
    for (const key of ['ComplainantOrg', 'ComplainantOrgDomain', 'ComplainantOrgEmail'])
      if (onBehalfOf[key] === undefined) return `OnBehalfOf.${key}: missing`;
    const e = checkFields(onBehalfOf, 'OnBehalfOf', COMPLAINANT_FIELDS);
    if (e) return e;
  }
  if (doc['InternalProcessing'] !== undefined) {
    const e = checkInternalProcessing(doc['InternalProcessing']);
    if (e) return e;
  }

  const report = doc['Report'];
  if (report === undefined) return 'Report: missing';
  if (!isPlainObject(report)) return 'Report: must be an object';
  const reportClass = report['ReportClass'];
  const reportType = report['ReportType'];
  if (reportClass === undefined) return 'Report.ReportClass: missing';
  if (reportType === undefined) return 'Report.ReportType: missing';
  if (typeof reportClass !== 'string' || !CLASSES.includes(reportClass))
    return `Report.ReportClass: ${show(reportClass)} is not one of ${CLASSES.join(', ')}`;
  if (typeof reportType !== 'string' || reportType === '')
    return `Report.ReportType: ${show(reportType)} is not a report type`;
  const spec = TYPES[reportType];
  if (!spec) return `Report.ReportType: ${show(reportType)} is not one of ${Object.keys(TYPES).join(', ')}`;
  if (!spec.classes.includes(reportClass))
    return `Report.ReportClass: ${reportType} reports have class ${spec.classes.join(' or ')}, not ${reportClass}`;
  if (report['Date'] === undefined) return 'Report.Date: missing';

  const fieldError = checkFields(report, 'Report', REPORT_FIELDS);
  if (fieldError) return fieldError;

  for (const key of spec.required ?? [])
    if (report[key] === undefined) return `Report.${key}: missing (required for ${reportType})`;
  const hasIp = report['SourceIp'] !== undefined;
  const hasUrl = report['SourceUrl'] !== undefined || report['InfringingUrl'] !== undefined;
  switch (spec.source) {
    case 'ip':
      if (!hasIp) return `Report.SourceIp: missing (required for ${reportType})`;
      break;
    case 'url':
      if (!hasUrl) return `Report.SourceUrl: missing (required for ${reportType})`;
      break;
    case 'ip-or-url':
      if (!hasIp && !hasUrl) return `Report.SourceIp: missing (${reportType} needs SourceIp or SourceUrl)`;
      break;
    case 'none':
      if (hasIp)
        return `Report.SourceIp: not allowed in ${reportType} reports (the attacker goes in AttackerIp)`;
      if (hasUrl) return `Report.SourceUrl: not allowed in ${reportType} reports`;
      break;
  }
  // Content-class malware reports name the hosting URL, except in the "3" and "development" schemas.
  if (
    reportType === 'Malware' &&
    reportClass === 'Content' &&
    !['3', 'development'].includes(rules) &&
    !hasUrl
  )
    return 'Report.SourceUrl: missing (required for Content/Malware)';
  if (reportType === 'Malware' && reportClass === 'Activity' && report['MalwareName'] === undefined)
    return 'Report.MalwareName: missing (required for Activity/Malware)';
  return null;
}

/** Looks for the v3 markers: `Version`, `ReporterInfo` or `Report` at the top. */
export function isXarfV3(doc: unknown): doc is Record<string, unknown> {
  return isPlainObject(doc) && ('Version' in doc || 'ReporterInfo' in doc || 'Report' in doc);
}

/** Parses an XARF v3 JSON report (already JSON-parsed; call when `isXarfV3`). */
export function parseXarfV3(doc: Record<string, unknown>): MachineReportResult {
  const error = validate(doc);
  if (error) return fail('xarf-v3', `xarf-v3: ${error}`);
  const report = doc['Report'] as Record<string, unknown>;
  const reporter = doc['ReporterInfo'] as Record<string, unknown>;
  const reportClass = report['ReportClass'] as string;
  const reportType = report['ReportType'] as string;
  const spec = TYPES[reportType];
  let rsit: RsitType = spec?.rsit ?? 'other/other';
  if (reportType === 'Malware' && (reportClass === 'Activity' || report['SourceUrl'] === undefined))
    rsit = 'malicious-code/infected-system';

  const obs = new ObservableCollector();
  for (const key of [
    'SourceIp',
    'SourceUrl',
    'InfringingUrl',
    'AttackerIp',
    'RpzDomain',
    'SmtpMailFromAddress',
    'FromAddress',
  ])
    obs.add(report[key]);
  const hash = report['FileHash'];
  obs.add(isPlainObject(hash) ? hash['HashValue'] : hash);

  const onBehalfOf = isPlainObject(doc['OnBehalfOf']) ? doc['OnBehalfOf'] : null;
  const meta: Record<string, unknown> = {
    version: doc['Version'] ?? null,
    reportClass,
    reportType,
    reportSubType: report['ReportSubType'] ?? null,
    reporterCaseId: report['ReporterCaseID'] ?? null,
    reporterSeverity: report['ReporterSeverity'] ?? null,
    sourcePort: report['SourcePort'] ?? null,
    destinationIp: report['DestinationIp'] ?? null,
    destinationPort: report['DestinationPort'] ?? null,
    asn: report['ASN'] ?? null,
    malwareName: report['MalwareName'] ?? report['BotnetName'] ?? null,
    serviceName: report['ServiceName'] ?? null,
    cve: report['CVE'] ?? null,
    firstSeen: report['FirstSeen'] ?? null,
    ongoing: report['Ongoing'] ?? null,
    disclosure: doc['Disclosure'],
    onBehalfOf: onBehalfOf ? asString(onBehalfOf['ComplainantOrg']) : null,
    sampleCount: Array.isArray(report['Samples']) ? report['Samples'].length : 0,
  };
  const source =
    asString(report['SourceIp']) || asString(report['SourceUrl']) || asString(report['InfringingUrl']);
  return {
    ok: true,
    format: 'xarf-v3',
    reports: [
      {
        format: 'xarf-v3',
        ...classifyRsit(rsit),
        subject: `XARF ${reportClass}/${reportType} report${source ? ` for ${source}` : ''}`,
        description: clip(asString(report['ReporterNotes']) || asString(report['HarassmentDescription'])),
        occurredAt: toIsoUtc(report['FirstSeen']) ?? toIsoUtc(report['Date']),
        reporter: {
          name: asString(reporter['ReporterContactName']),
          email: (
            asString(reporter['ReporterContactEmail']) || asString(reporter['ReporterOrgEmail'])
          ).toLowerCase(),
          organisation: asString(reporter['ReporterOrg']),
        },
        observables: obs.values(),
        meta,
      },
    ],
  };
}
