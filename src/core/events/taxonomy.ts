import type { RsitClass, RsitType } from '../incidents/categories.ts';

/**
 * Feed events store IntelMQ's representation (harmonisation 3.x): `classification.type` is the
 * short type (`infected-system`) and `classification.taxonomy` the RSIT class (`malicious-code`).
 * This module maps every type IntelMQ ever used (2.x names such as `botnet drone`, `c&c`,
 * `defacement`, `vulnerable service` included) to the current type and its RSIT `class/type`.
 */

/** Current IntelMQ type → RSIT `class/type`. IntelMQ-only types (blacklist, tor, …) → other/other. */
const TYPE_TO_RSIT: Readonly<Record<string, RsitType>> = {
  // abusive-content
  spam: 'abusive-content/spam',
  'harmful-speech': 'abusive-content/harmful-speech',
  violence: 'abusive-content/violence',
  // malicious-code
  'infected-system': 'malicious-code/infected-system',
  'c2-server': 'malicious-code/c2-server',
  'malware-distribution': 'malicious-code/malware-distribution',
  'malware-configuration': 'malicious-code/malware-configuration',
  // information-gathering
  scanner: 'information-gathering/scanner',
  sniffing: 'information-gathering/sniffing',
  'social-engineering': 'information-gathering/social-engineering',
  // intrusion-attempts
  'ids-alert': 'intrusion-attempts/ids-alert',
  'brute-force': 'intrusion-attempts/brute-force',
  exploit: 'intrusion-attempts/exploit',
  // intrusions
  'privileged-account-compromise': 'intrusions/privileged-account-compromise',
  'unprivileged-account-compromise': 'intrusions/unprivileged-account-compromise',
  'application-compromise': 'intrusions/application-compromise',
  'system-compromise': 'intrusions/system-compromise',
  burglary: 'intrusions/burglary',
  // availability
  dos: 'availability/dos',
  ddos: 'availability/ddos',
  misconfiguration: 'availability/misconfiguration',
  sabotage: 'availability/sabotage',
  outage: 'availability/outage',
  // information-content-security
  'unauthorised-information-access': 'information-content-security/unauthorised-information-access',
  'unauthorised-information-modification':
    'information-content-security/unauthorised-information-modification',
  'data-loss': 'information-content-security/data-loss',
  'data-leak': 'information-content-security/data-leak',
  // fraud
  'unauthorized-use-of-resources': 'fraud/unauthorised-use-of-resources',
  copyright: 'fraud/copyright',
  masquerade: 'fraud/masquerade',
  phishing: 'fraud/phishing',
  // vulnerable
  'weak-crypto': 'vulnerable/weak-crypto',
  'ddos-amplifier': 'vulnerable/ddos-amplifier',
  'potentially-unwanted-accessible': 'vulnerable/potentially-unwanted-accessible',
  'information-disclosure': 'vulnerable/information-disclosure',
  'vulnerable-system': 'vulnerable/vulnerable-system',
  // other (IntelMQ keeps a few types of its own under `other`)
  other: 'other/other',
  undetermined: 'other/undetermined',
  blacklist: 'other/other',
  'dga-domain': 'other/other',
  proxy: 'other/other',
  tor: 'other/other',
  test: 'test/test',
};

/** Older IntelMQ (≤ 2.x) and RSIT spellings → the current IntelMQ type. */
const ALIASES: Readonly<Record<string, string>> = {
  'botnet-drone': 'infected-system',
  bot: 'infected-system',
  'infected-host': 'infected-system',
  malware: 'infected-system',
  ransomware: 'infected-system',
  'c&c': 'c2-server',
  cc: 'c2-server',
  c2: 'c2-server',
  'c&c-server': 'c2-server',
  'command-and-control': 'c2-server',
  'malware-url': 'malware-distribution',
  'malicious-url': 'malware-distribution',
  'exploit-kit': 'malware-distribution',
  defacement: 'unauthorised-information-modification',
  'unauthorized-information-modification': 'unauthorised-information-modification',
  'unauthorized-information-access': 'unauthorised-information-access',
  'unauthorised-use-of-resources': 'unauthorized-use-of-resources',
  compromised: 'system-compromise',
  backdoor: 'system-compromise',
  'vulnerable-service': 'vulnerable-system',
  'vulnerable-client': 'vulnerable-system',
  leak: 'data-leak',
  dropzone: 'data-leak',
  scanning: 'scanner',
  'brute-force-attack': 'brute-force',
  bruteforce: 'brute-force',
  unknown: 'undetermined',
};

/** `Botnet Drone`, ` c2_server ` → `botnet-drone`, `c2-server` (case, blanks and `_` do not matter). */
function canonicalForm(type: string): string {
  return type
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-');
}

/**
 * The current IntelMQ type for any spelling IntelMQ or RSIT used (`botnet drone` →
 * `infected-system`, `malicious-code/c2-server` → `c2-server`); null when unknown.
 */
export function normaliseClassificationType(type: string | null | undefined): string | null {
  if (!type) return null;
  // a current type as IntelMQ writes it (most events): no new string
  if (Object.hasOwn(TYPE_TO_RSIT, type)) return type;
  let t = canonicalForm(type);
  const slash = t.indexOf('/');
  if (slash !== -1) t = t.slice(slash + 1);
  // own keys only: `constructor` or `toString` from a feed is no type
  if (Object.hasOwn(TYPE_TO_RSIT, t)) return t;
  return Object.hasOwn(ALIASES, t) ? ALIASES[t]! : null;
}

/**
 * The RSIT `class/type` of an IntelMQ classification type (any spelling accepted by
 * normaliseClassificationType); unknown types → `other/undetermined`.
 */
export function rsitOf(type: string | null | undefined): RsitType {
  const t = normaliseClassificationType(type);
  return t === null ? 'other/undetermined' : TYPE_TO_RSIT[t]!;
}

/** The RSIT class (IntelMQ `classification.taxonomy`) of a classification type. */
export function taxonomyOf(type: string | null | undefined): RsitClass {
  const rsit = rsitOf(type);
  return rsit.slice(0, rsit.indexOf('/')) as RsitClass;
}

/** Every current IntelMQ classification type this module knows. */
export const CLASSIFICATION_TYPES: readonly string[] = Object.keys(TYPE_TO_RSIT);
