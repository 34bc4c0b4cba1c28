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
 * XARF v4 (xarf/xarf-spec, schemas/v4): every valid category/type pair, what it is filed as, and
 * the fields its type schema requires beyond the core.
 */
const TYPES: Readonly<
  Record<string, Readonly<Record<string, { rsit: RsitType; required: readonly string[] }>>>
> = {
  messaging: {
    spam: { rsit: 'abusive-content/spam', required: ['protocol'] },
    bulk_messaging: { rsit: 'abusive-content/spam', required: ['protocol', 'recipient_count'] },
  },
  connection: {
    login_attack: { rsit: 'intrusion-attempts/brute-force', required: ['protocol', 'first_seen'] },
    port_scan: { rsit: 'information-gathering/scanner', required: ['protocol', 'first_seen'] },
    ddos: { rsit: 'availability/ddos', required: ['protocol', 'first_seen'] },
    infected_host: {
      rsit: 'malicious-code/infected-system',
      required: ['protocol', 'bot_type', 'first_seen'],
    },
    reconnaissance: {
      rsit: 'information-gathering/scanner',
      required: ['protocol', 'probed_resources', 'first_seen'],
    },
    scraping: {
      rsit: 'information-gathering/scanner',
      required: ['protocol', 'first_seen', 'total_requests'],
    },
    sql_injection: { rsit: 'intrusion-attempts/exploit', required: ['protocol', 'first_seen'] },
    vulnerability_scan: {
      rsit: 'information-gathering/scanner',
      required: ['scan_type', 'protocol', 'first_seen'],
    },
  },
  vulnerability: {
    cve: { rsit: 'vulnerable/vulnerable-system', required: ['service', 'service_port', 'cve_id'] },
    open_service: { rsit: 'vulnerable/potentially-unwanted-accessible', required: ['service'] },
    misconfiguration: { rsit: 'vulnerable/vulnerable-system', required: ['service'] },
  },
  reputation: {
    blocklist: { rsit: 'other/other', required: ['threat_type'] },
    threat_intelligence: { rsit: 'other/other', required: ['threat_type'] },
  },
  infrastructure: {
    botnet: { rsit: 'malicious-code/infected-system', required: ['compromise_evidence'] },
    compromised_server: { rsit: 'intrusions/system-compromise', required: ['compromise_method'] },
  },
  content: {
    phishing: { rsit: 'fraud/phishing', required: ['url'] },
    malware: { rsit: 'malicious-code/malware-distribution', required: ['url'] },
    csam: { rsit: 'abusive-content/violence', required: ['url', 'classification', 'detection_method'] },
    csem: { rsit: 'abusive-content/violence', required: ['url', 'exploitation_type', 'detection_method'] },
    exposed_data: {
      rsit: 'information-content-security/data-leak',
      required: ['url', 'data_types', 'exposure_method'],
    },
    brand_infringement: {
      rsit: 'fraud/masquerade',
      required: ['url', 'infringement_type', 'legitimate_site'],
    },
    fraud: { rsit: 'fraud/masquerade', required: ['url', 'fraud_type'] },
    remote_compromise: { rsit: 'intrusions/application-compromise', required: ['url', 'compromise_type'] },
    suspicious_registration: {
      rsit: 'fraud/masquerade',
      required: ['url', 'registration_date', 'suspicious_indicators'],
    },
  },
  copyright: {
    copyright: { rsit: 'fraud/copyright', required: ['infringing_url'] },
    p2p: { rsit: 'fraud/copyright', required: ['p2p_protocol'] },
    cyberlocker: { rsit: 'fraud/copyright', required: ['infringing_url', 'hosting_service'] },
    ugc_platform: { rsit: 'fraud/copyright', required: ['infringing_url', 'platform_name'] },
    link_site: { rsit: 'fraud/copyright', required: ['infringing_url', 'site_name'] },
    usenet: { rsit: 'fraud/copyright', required: ['newsgroup'] },
  },
};

/** Threat types of reputation reports that say more than "listed". */
const THREAT_RSIT: Readonly<Record<string, RsitType>> = {
  command_and_control: 'malicious-code/c2-server',
  c2: 'malicious-code/c2-server',
  malware: 'malicious-code/malware-distribution',
  malware_distribution: 'malicious-code/malware-distribution',
  botnet: 'malicious-code/infected-system',
  phishing: 'fraud/phishing',
  spam: 'abusive-content/spam',
  scanning: 'information-gathering/scanner',
  scanner: 'information-gathering/scanner',
  ddos: 'availability/ddos',
};

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HOSTNAME_RE =
  /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;
const TAG_RE = /^[a-z0-9][a-z0-9_+-]*:[a-z0-9][a-z0-9_+-]*$/;

function checkContact(doc: Record<string, unknown>, key: string): string | null {
  const c = doc[key];
  if (c === undefined) return `${key}: missing`;
  if (!isPlainObject(c)) return `${key}: must be an object with org, contact and domain`;
  for (const f of ['org', 'contact', 'domain'] as const) {
    const v = c[f];
    if (v === undefined) return `${key}.${f}: missing`;
    if (typeof v !== 'string' || v.trim() === '') return `${key}.${f}: must be a non-empty string`;
  }
  if (!isEmailAddress(c['contact'])) return `${key}.contact: ${show(c['contact'])} is not an e-mail address`;
  if (!HOSTNAME_RE.test(c['domain'] as string))
    return `${key}.domain: ${show(c['domain'])} is not a host name`;
  return null;
}

function isPort(v: unknown): boolean {
  return Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535;
}

/** Validates an XARF v4 report against the core schema and its type's required fields; the first problem, or null. */
function validate(doc: Record<string, unknown>): string | null {
  const version = doc['xarf_version'];
  if (typeof version !== 'string' || !/^4\.\d+\.\d+$/.test(version))
    return `xarf_version: ${show(version)} is not a 4.x.y version`;
  for (const key of ['report_id', 'timestamp', 'reporter', 'sender', 'source_identifier', 'category', 'type'])
    if (doc[key] === undefined || doc[key] === null) return `${key}: missing`;
  if (typeof doc['report_id'] !== 'string' || !UUID_RE.test(doc['report_id']))
    return `report_id: ${show(doc['report_id'])} is not a UUID`;
  if (!isIsoDateTime(doc['timestamp']))
    return `timestamp: ${show(doc['timestamp'])} is not an ISO 8601 date-time`;
  const contactError = checkContact(doc, 'reporter') ?? checkContact(doc, 'sender');
  if (contactError) return contactError;
  const source = doc['source_identifier'];
  if (typeof source !== 'string' || source.trim() === '')
    return 'source_identifier: must be a non-empty string';
  const category = doc['category'];
  if (typeof category !== 'string' || !(category in TYPES))
    return `category: ${show(category)} is not one of ${Object.keys(TYPES).join(', ')}`;
  const types = TYPES[category] ?? {};
  const type = doc['type'];
  if (typeof type !== 'string' || !(type in types))
    return `type: ${show(type)} is not a ${category} type (${Object.keys(types).join(', ')})`;
  if (doc['source_port'] !== undefined && !isPort(doc['source_port']))
    return `source_port: ${show(doc['source_port'])} is not a port (1-65535)`;
  if (doc['confidence'] !== undefined) {
    const c = doc['confidence'];
    if (typeof c !== 'number' || c < 0 || c > 1)
      return `confidence: ${show(c)} is not a number between 0 and 1`;
  }
  if (doc['tags'] !== undefined) {
    const tags = doc['tags'];
    if (!Array.isArray(tags)) return 'tags: must be an array';
    const bad = tags.find((t) => typeof t !== 'string' || !TAG_RE.test(t));
    if (bad !== undefined) return `tags: ${show(bad)} is not a namespace:value tag`;
  }
  if (doc['evidence'] !== undefined) {
    const evidence = doc['evidence'];
    if (!Array.isArray(evidence)) return 'evidence: must be an array';
    for (let i = 0; i < evidence.length; i++) {
      const e: unknown = evidence[i];
      if (!isPlainObject(e)) return `evidence[${i}]: must be an object`;
      if (typeof e['content_type'] !== 'string') return `evidence[${i}].content_type: missing`;
      if (typeof e['payload'] !== 'string') return `evidence[${i}].payload: missing`;
    }
  }
  const spec = types[type];
  for (const key of spec?.required ?? [])
    if (doc[key] === undefined || doc[key] === null)
      return `${key}: missing (required for ${category}/${type})`;
  // Conditional requirements of the type schemas.
  if (
    category === 'connection' &&
    ['ddos', 'login_attack', 'port_scan'].includes(type) &&
    isIp(source.trim()) &&
    doc['source_port'] === undefined
  )
    return `source_port: missing (required for ${category}/${type} when source_identifier is an IP)`;
  if (category === 'messaging' && doc['protocol'] === 'smtp') {
    if (doc['smtp_from'] === undefined)
      return `smtp_from: missing (required for ${category}/${type} over smtp)`;
    if (doc['source_port'] === undefined)
      return `source_port: missing (required for ${category}/${type} over smtp)`;
  }
  for (const key of ['url', 'infringing_url'])
    if (
      doc[key] !== undefined &&
      (typeof doc[key] !== 'string' || !/^[a-z][a-z0-9+.-]*:\S+$/i.test(doc[key] as string))
    )
      return `${key}: ${show(doc[key])} is not a URI`;
  return null;
}

function hashValue(v: unknown): string {
  const s = asString(v);
  const colon = s.indexOf(':');
  return colon === -1 ? s : s.slice(colon + 1);
}

/** Looks for `xarf_version`: the marker of an XARF v4 document. */
export function isXarfV4(doc: unknown): doc is Record<string, unknown> {
  return isPlainObject(doc) && 'xarf_version' in doc;
}

/** Parses an XARF v4 JSON report (already JSON-parsed; call when `isXarfV4`). */
export function parseXarfV4(doc: Record<string, unknown>): MachineReportResult {
  const error = validate(doc);
  if (error) return fail('xarf-v4', `xarf-v4: ${error}`);
  const category = doc['category'] as string;
  const type = doc['type'] as string;
  let rsit = TYPES[category]?.[type]?.rsit ?? 'other/other';
  if (category === 'reputation') rsit = THREAT_RSIT[asString(doc['threat_type']).toLowerCase()] ?? rsit;

  const obs = new ObservableCollector();
  obs.add(doc['source_identifier']);
  for (const key of ['url', 'infringing_url', 'domain', 'smtp_from', 'c2_server']) obs.add(doc[key]);
  obs.add(hashValue(doc['file_hash']));
  for (const holder of [doc['hash_values'], doc['file_hash']])
    if (isPlainObject(holder)) for (const v of Object.values(holder)) obs.add(hashValue(v));
  for (const key of ['downstream_links', 'c2_communications'])
    if (Array.isArray(doc[key]))
      for (const v of doc[key] as unknown[]) obs.add(asString(v).replace(/:\d+$/, ''));
  if (Array.isArray(doc['related_domains']))
    for (const r of doc['related_domains'] as unknown[]) if (isPlainObject(r)) obs.add(r['domain']);

  const reporter = doc['reporter'] as Record<string, unknown>;
  const meta: Record<string, unknown> = {
    xarfVersion: doc['xarf_version'],
    reportId: doc['report_id'],
    timestamp: doc['timestamp'],
    sourceIdentifier: doc['source_identifier'],
    sourcePort: doc['source_port'] ?? null,
    xarfCategory: category,
    xarfType: type,
    evidenceSource: doc['evidence_source'] ?? null,
    destinationIp: doc['destination_ip'] ?? null,
    destinationPort: doc['destination_port'] ?? null,
    protocol: doc['protocol'] ?? null,
    tags: doc['tags'] ?? [],
    confidence: doc['confidence'] ?? null,
    sender: doc['sender'],
    firstSeen: doc['first_seen'] ?? null,
    evidenceCount: Array.isArray(doc['evidence']) ? doc['evidence'].length : 0,
  };
  const description = asString(doc['description']);
  return {
    ok: true,
    format: 'xarf-v4',
    reports: [
      {
        format: 'xarf-v4',
        ...classifyRsit(rsit),
        subject: `XARF ${category}/${type} report for ${asString(doc['source_identifier'])}`,
        description: clip(description),
        // The spec defines timestamp as when the abuse occurred (first_seen stays in meta).
        occurredAt: toIsoUtc(doc['timestamp']),
        reporter: {
          name: '',
          email: asString(reporter['contact']).toLowerCase(),
          organisation: asString(reporter['org']),
        },
        observables: obs.values(),
        meta,
      },
    ],
  };
}
