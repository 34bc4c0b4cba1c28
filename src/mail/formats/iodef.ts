import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { RsitType } from '../../core/incidents/categories.ts';
import { classifyRsit, clip, fail, ObservableCollector, toIsoUtc } from './shared.ts';
import type { MachineReport, MachineReportFormat, MachineReportResult } from './types.ts';

/** Largest IODEF document read (bytes of text). */
export const MAX_IODEF_SIZE = 10 * 1024 * 1024;
const MAX_DEPTH = 64;

type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // DOCTYPE and entity declarations are refused before parsing; only the five XML entities remain.
  processEntities: true,
  htmlEntities: false,
  maxNestedTags: MAX_DEPTH,
  // Every element is a list, so one and many read the same way.
  isArray: (_name, _path, _leaf, isAttribute) => !isAttribute,
});

function children(node: unknown, name: string): XmlNode[] {
  if (typeof node !== 'object' || node === null) return [];
  const v = (node as XmlNode)[name];
  if (!Array.isArray(v)) return [];
  return v.map((x) => (typeof x === 'object' && x !== null ? (x as XmlNode) : { '#text': String(x) }));
}

function text(node: XmlNode | undefined): string {
  if (!node) return '';
  const t = node['#text'];
  return typeof t === 'string' ? t.replace(/\s+/g, ' ').trim() : typeof t === 'number' ? String(t) : '';
}

function attr(node: XmlNode | undefined, name: string): string {
  const v = node?.[`@_${name}`];
  return typeof v === 'string' ? v.trim() : '';
}

interface Ancestor {
  name: string;
  el: XmlNode;
}

/** Depth-first walk over every element below `node`, with its ancestors (outermost first). */
function walk(
  node: XmlNode,
  visit: (name: string, el: XmlNode, ancestors: readonly Ancestor[]) => void,
  ancestors: Ancestor[] = [],
): void {
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('@_') || key === '#text' || !Array.isArray(value)) continue;
    for (const child of children(node, key)) {
      visit(key, child, ancestors);
      ancestors.push({ name: key, el: child });
      walk(child, visit, ancestors);
      ancestors.pop();
    }
  }
}

/** IODEF 1.0 Impact types and 2.0 SystemImpact/BusinessImpact types that decide the category. */
const IMPACT_RSIT: Readonly<Record<string, RsitType>> = {
  dos: 'availability/dos',
  'availability-system': 'availability/dos',
  'availability-service': 'availability/dos',
  recon: 'information-gathering/scanner',
  'social-engineering': 'fraud/phishing',
};

/** Impact types that only say "other" (account or system compromise, leaks, policy). */
const OTHER_IMPACT_RSIT: Readonly<Record<string, RsitType>> = {
  admin: 'intrusions/privileged-account-compromise',
  user: 'intrusions/unprivileged-account-compromise',
  'takeover-account': 'intrusions/unprivileged-account-compromise',
  'takeover-system': 'intrusions/system-compromise',
  'takeover-service': 'intrusions/application-compromise',
  'info-leak': 'information-content-security/data-leak',
  file: 'information-content-security/unauthorised-information-access',
  'breach-privacy': 'information-content-security/data-leak',
  'breach-proprietary': 'information-content-security/data-leak',
  'breach-credential': 'information-content-security/data-leak',
  misconfiguration: 'availability/misconfiguration',
  'integrity-data': 'information-content-security/unauthorised-information-modification',
};

interface Collected {
  texts: string[];
  impacts: string[];
  nodeRoles: string[];
  hasUrl: boolean;
}

function decideRsit(c: Collected): RsitType {
  const t = c.texts.join(' ').toLowerCase();
  if (/phish/.test(t)) return 'fraud/phishing';
  if (/\bddos\b|denial[- ]of[- ]service/.test(t)) return 'availability/ddos';
  if (/deface/.test(t)) return 'information-content-security/unauthorised-information-modification';
  if (/\bspam/.test(t)) return 'abusive-content/spam';
  for (const impact of c.impacts) {
    const rsit = IMPACT_RSIT[impact];
    if (rsit) return rsit;
  }
  if (c.nodeRoles.includes('malware-distribution')) return 'malicious-code/malware-distribution';
  if (c.nodeRoles.includes('c2-server') || /\bc2\b|command[- ]and[- ]control/.test(t))
    return 'malicious-code/c2-server';
  if (/malware|trojan|\bworm\b|\bvirus|\bbot(net|-net)?\b|zeus/.test(t))
    return c.hasUrl || c.nodeRoles.includes('www')
      ? 'malicious-code/malware-distribution'
      : 'malicious-code/infected-system';
  if (/\bscan/.test(t)) return 'information-gathering/scanner';
  for (const impact of c.impacts) {
    const rsit = OTHER_IMPACT_RSIT[impact];
    if (rsit) return rsit;
  }
  return 'other/other';
}

const SKIP_SYSTEMS = new Set(['target', 'sensor']);

function readIncident(incident: XmlNode, format: MachineReportFormat, index: number): MachineReport | string {
  const idNode = children(incident, 'IncidentID')[0];
  const incidentId = text(idNode);
  if (!idNode || incidentId === '') return `Incident[${index + 1}]: IncidentID: missing`;

  const obs = new ObservableCollector();
  const networks: string[] = [];
  const asns: string[] = [];
  const c: Collected = { texts: [], impacts: [], nodeRoles: [], hasUrl: false };
  const description = text(children(incident, 'Description')[0]);
  if (description) c.texts.push(description);

  walk(incident, (name, el, ancestors) => {
    const within = (n: string): boolean => ancestors.some((a) => a.name === n);
    const inTarget = ancestors.some(
      (a) => a.name === 'System' && SKIP_SYSTEMS.has(attr(a.el, 'category').toLowerCase()),
    );
    if (name === 'Impact' || name === 'SystemImpact' || name === 'BusinessImpact') {
      const type = attr(el, 'type').toLowerCase();
      if (type) c.impacts.push(type);
    }
    if (name === 'Description' || name === 'ReferenceName') {
      const t = text(el);
      if (t && !within('Contact')) c.texts.push(t);
    }
    if (name === 'NodeRole') c.nodeRoles.push(attr(el, 'category').toLowerCase());
    if (inTarget || within('Contact')) return;
    if (name === 'Address') {
      const category = attr(el, 'category').toLowerCase() || 'ipv4-addr';
      const value = text(el).replace(/\s+/g, '');
      if (
        category === 'ipv4-net' ||
        category === 'ipv6-net' ||
        category === 'ipv4-net-mask' ||
        category === 'ipv6-net-mask'
      )
        networks.push(value);
      else if (category === 'asn') asns.push(value);
      else if (category === 'site-uri') {
        if (obs.add(value)) c.hasUrl = true;
      } else if (category === 'ipv4-addr' || category === 'ipv6-addr' || category === 'e-mail')
        obs.add(value);
    } else if (
      name === 'NodeName' ||
      (name === 'Name' && ancestors[ancestors.length - 1]?.name === 'DomainData')
    ) {
      obs.add(text(el));
    } else if (name === 'URL' && !within('Reference') && !within('Method')) {
      if (obs.add(text(el).replace(/\s+/g, ''))) c.hasUrl = true;
    } else if (name === 'EmailFrom') {
      obs.add(text(el));
    } else if (name === 'DigestValue') {
      const digest = text(el).replace(/\s+/g, '');
      if (/^[0-9a-f]+$/i.test(digest)) obs.add(digest);
    } else if (name === 'BulkObservableList') {
      for (const item of text(el).split(/[\s,]+/)) obs.add(item);
    }
  });

  const reportTime = text(children(incident, 'ReportTime')[0]);
  const occurred =
    toIsoUtc(text(children(incident, 'StartTime')[0])) ??
    toIsoUtc(text(children(incident, 'DetectTime')[0])) ??
    toIsoUtc(reportTime) ??
    toIsoUtc(text(children(incident, 'GenerationTime')[0]));
  const contact = children(incident, 'Contact')[0];
  const emailNode = children(contact, 'Email')[0];
  const email = (text(children(emailNode, 'EmailTo')[0]) || text(emailNode)).toLowerCase();
  const rsit = decideRsit(c);
  return {
    format,
    ...classifyRsit(rsit),
    subject: `IODEF incident ${incidentId}${description ? `: ${clip(description, 160)}` : ''}`,
    description: clip(description),
    occurredAt: occurred,
    reporter: { name: text(children(contact, 'ContactName')[0]), email, organisation: attr(idNode, 'name') },
    observables: obs.values(),
    meta: {
      incidentId,
      incidentIdName: attr(idNode, 'name'),
      purpose: attr(incident, 'purpose'),
      restriction: attr(incident, 'restriction') || null,
      reportTime: toIsoUtc(reportTime),
      impacts: c.impacts,
      nodeRoles: c.nodeRoles,
      networks,
      asns,
    },
  };
}

/** Refuses what the XML parser must never see: DTDs (entity expansion), and absurd nesting. */
function precheck(xml: string): string | null {
  if (xml.length > MAX_IODEF_SIZE) return `document is larger than ${MAX_IODEF_SIZE} bytes`;
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml))
    return 'DOCTYPE and ENTITY declarations are not accepted';
  // A linear scan (no regex backtracking on hostile input): only a guard, the parser validates.
  let depth = 0;
  let i = xml.indexOf('<');
  while (i !== -1) {
    if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i + 4);
      i = end === -1 ? -1 : xml.indexOf('<', end + 3);
      continue;
    }
    if (xml.startsWith('<![CDATA[', i)) {
      const end = xml.indexOf(']]>', i + 9);
      i = end === -1 ? -1 : xml.indexOf('<', end + 3);
      continue;
    }
    const end = xml.indexOf('>', i + 1);
    if (end === -1) break;
    const next = xml.charCodeAt(i + 1);
    if (next === 0x2f) depth--;
    else if (next !== 0x3f && next !== 0x21 && xml.charCodeAt(end - 1) !== 0x2f) depth++;
    if (depth > MAX_DEPTH) return `elements are nested deeper than ${MAX_DEPTH} levels`;
    i = xml.indexOf('<', end + 1);
  }
  return null;
}

/** Root element name of a parsed document (namespace prefix removed). */
function rootName(doc: XmlNode): string {
  return Object.keys(doc).find((k) => !k.startsWith('?') && !k.startsWith('@_') && k !== '#text') ?? '';
}

export type IodefOutcome =
  { kind: 'not-iodef'; error: string } | { kind: 'result'; result: MachineReportResult };

/**
 * Parses an IODEF 1.0 (RFC 5070) or 2.0 (RFC 7970) document into one report per Incident.
 * `not-iodef`: not XML, or XML with another root (the caller decides whether that is an error).
 */
export function readIodef(xml: string): IodefOutcome {
  const problem = precheck(xml);
  if (problem) return { kind: 'result', result: fail('iodef-2', `iodef: ${problem}`) };
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const { msg, line } = valid.err;
    return { kind: 'not-iodef', error: `iodef: not well-formed XML: ${msg} (line ${line})` };
  }
  let doc: XmlNode;
  try {
    doc = parser.parse(xml) as XmlNode;
  } catch (e) {
    return { kind: 'not-iodef', error: `iodef: not well-formed XML: ${(e as Error).message.split('\n')[0]}` };
  }
  const root = rootName(doc);
  if (root !== 'IODEF-Document')
    return { kind: 'not-iodef', error: `iodef: root element is <${root || '?'}>, not <IODEF-Document>` };
  const document = children(doc, root)[0] ?? {};
  const version = attr(document, 'version');
  const namespace = attr(document, 'xmlns');
  let format: MachineReportFormat;
  if (version.startsWith('1') || namespace === 'urn:ietf:params:xml:ns:iodef-1.0') format = 'iodef-1';
  else if (version.startsWith('2') || namespace === 'urn:ietf:params:xml:ns:iodef-2.0') format = 'iodef-2';
  else
    return {
      kind: 'result',
      result: fail(
        'iodef-2',
        `iodef: IODEF-Document version ${JSON.stringify(version)} is neither 1.00 nor 2.00`,
      ),
    };
  const incidents = children(document, 'Incident');
  if (incidents.length === 0)
    return { kind: 'result', result: fail(format, 'iodef: IODEF-Document has no <Incident>') };
  const reports: MachineReport[] = [];
  for (let i = 0; i < incidents.length; i++) {
    const r = readIncident(incidents[i] ?? {}, format, i);
    if (typeof r === 'string') return { kind: 'result', result: fail(format, `iodef: ${r}`) };
    reports.push(r);
  }
  return { kind: 'result', result: { ok: true, format, reports } };
}
