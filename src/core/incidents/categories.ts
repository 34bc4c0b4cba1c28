import { z } from 'zod';

/** Incident categories of the situation report, in report order. */
export const CATEGORIES = [
  'phishing',
  'spam',
  'web-malicious-code',
  'vulnerability',
  'virus-worm-trojan',
  'dos',
  'defacement',
  'scanning',
  'other',
] as const;

export type Category = (typeof CATEGORIES)[number];

/** RSIT classes (Reference Security Incident Taxonomy, working copy v1003). */
export const RSIT_CLASSES = [
  'abusive-content',
  'malicious-code',
  'information-gathering',
  'intrusion-attempts',
  'intrusions',
  'availability',
  'information-content-security',
  'fraud',
  'vulnerable',
  'other',
  'test',
] as const;

export type RsitClass = (typeof RSIT_CLASSES)[number];

/** Every RSIT `class/type` value, grouped by class in taxonomy order. */
export const RSIT_TYPES = [
  'abusive-content/spam',
  'abusive-content/harmful-speech',
  'abusive-content/violence',
  'malicious-code/infected-system',
  'malicious-code/c2-server',
  'malicious-code/malware-distribution',
  'malicious-code/malware-configuration',
  'information-gathering/scanner',
  'information-gathering/sniffing',
  'information-gathering/social-engineering',
  'intrusion-attempts/ids-alert',
  'intrusion-attempts/brute-force',
  'intrusion-attempts/exploit',
  'intrusions/privileged-account-compromise',
  'intrusions/unprivileged-account-compromise',
  'intrusions/application-compromise',
  'intrusions/system-compromise',
  'intrusions/burglary',
  'availability/dos',
  'availability/ddos',
  'availability/misconfiguration',
  'availability/sabotage',
  'availability/outage',
  'information-content-security/unauthorised-information-access',
  'information-content-security/unauthorised-information-modification',
  'information-content-security/data-loss',
  'information-content-security/data-leak',
  'fraud/unauthorised-use-of-resources',
  'fraud/copyright',
  'fraud/masquerade',
  'fraud/phishing',
  'vulnerable/weak-crypto',
  'vulnerable/ddos-amplifier',
  'vulnerable/potentially-unwanted-accessible',
  'vulnerable/information-disclosure',
  'vulnerable/vulnerable-system',
  'other/other',
  'other/undetermined',
  'test/test',
] as const;

export type RsitType = (typeof RSIT_TYPES)[number];

export const categorySchema = z.enum(CATEGORIES);
export const rsitSchema = z.enum(RSIT_TYPES);

const RSIT_TYPE_SET: ReadonlySet<string> = new Set(RSIT_TYPES);

const DEFAULT_RSIT: Readonly<Record<Category, RsitType>> = {
  phishing: 'fraud/phishing',
  spam: 'abusive-content/spam',
  'web-malicious-code': 'malicious-code/malware-distribution',
  vulnerability: 'vulnerable/vulnerable-system',
  'virus-worm-trojan': 'malicious-code/infected-system',
  dos: 'availability/dos',
  defacement: 'information-content-security/unauthorised-information-modification',
  scanning: 'information-gathering/scanner',
  other: 'other/other',
};

export function isRsitType(s: unknown): s is RsitType {
  return typeof s === 'string' && RSIT_TYPE_SET.has(s);
}

export function isCategory(s: unknown): s is Category {
  return typeof s === 'string' && (CATEGORIES as readonly string[]).includes(s);
}

/**
 * Report category of an RSIT `class/type`. Tolerates case and surrounding blanks, and a bare class
 * (`vulnerable`, `malicious-code`); anything not mapped to a specific category is `other`.
 */
export function categoryOfRsit(rsit: string): Category {
  const value = rsit.trim().toLowerCase();
  const slash = value.indexOf('/');
  const cls = slash === -1 ? value : value.slice(0, slash);
  const type = slash === -1 ? '' : value.slice(slash + 1);
  switch (cls) {
    case 'fraud':
      return type === 'phishing' ? 'phishing' : 'other';
    case 'abusive-content':
      return type === 'spam' ? 'spam' : 'other';
    case 'malicious-code':
      return type === 'malware-distribution' ? 'web-malicious-code' : 'virus-worm-trojan';
    case 'vulnerable':
      return 'vulnerability';
    case 'availability':
      return type === 'dos' || type === 'ddos' ? 'dos' : 'other';
    case 'information-content-security':
      return type === 'unauthorised-information-modification' ? 'defacement' : 'other';
    case 'information-gathering':
      return type === 'scanner' ? 'scanning' : 'other';
    default:
      return 'other';
  }
}

/** The RSIT value recorded when an incident is filed under `category` without a more specific type. */
export function defaultRsitOf(category: Category): RsitType {
  return DEFAULT_RSIT[category];
}

export function isScanning(category: Category): boolean {
  return category === 'scanning';
}
