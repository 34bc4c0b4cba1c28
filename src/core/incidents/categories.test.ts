import { describe, it, expect } from 'vitest';
import {
  CATEGORIES,
  RSIT_CLASSES,
  RSIT_TYPES,
  categoryOfRsit,
  categorySchema,
  defaultRsitOf,
  isCategory,
  isRsitType,
  isScanning,
  rsitSchema,
} from './categories.ts';

describe('CATEGORIES', () => {
  it('lists the report categories in report order', () => {
    expect(CATEGORIES).toEqual([
      'phishing',
      'spam',
      'web-malicious-code',
      'vulnerability',
      'virus-worm-trojan',
      'dos',
      'defacement',
      'scanning',
      'other',
    ]);
  });
});

describe('RSIT_TYPES', () => {
  it('covers every RSIT class with class/type values and no duplicates', () => {
    const classes = new Set(RSIT_TYPES.map((t) => t.split('/')[0]));
    expect([...classes]).toEqual([...RSIT_CLASSES]);
    expect(new Set(RSIT_TYPES).size).toBe(RSIT_TYPES.length);
    for (const t of RSIT_TYPES) expect(t).toMatch(/^[a-z-]+\/[a-z0-9-]+$/);
  });

  it('includes the current (v1003) types', () => {
    for (const t of [
      'malicious-code/c2-server',
      'malicious-code/malware-configuration',
      'intrusions/system-compromise',
      'information-content-security/data-leak',
      'fraud/unauthorised-use-of-resources',
      'vulnerable/potentially-unwanted-accessible',
      'other/undetermined',
      'test/test',
    ]) {
      expect(isRsitType(t)).toBe(true);
    }
  });
});

describe('categoryOfRsit', () => {
  it.each([
    ['fraud/phishing', 'phishing'],
    ['abusive-content/spam', 'spam'],
    ['malicious-code/malware-distribution', 'web-malicious-code'],
    ['vulnerable/vulnerable-system', 'vulnerability'],
    ['vulnerable/weak-crypto', 'vulnerability'],
    ['vulnerable/ddos-amplifier', 'vulnerability'],
    ['vulnerable/information-disclosure', 'vulnerability'],
    ['malicious-code/infected-system', 'virus-worm-trojan'],
    ['malicious-code/c2-server', 'virus-worm-trojan'],
    ['malicious-code/malware-configuration', 'virus-worm-trojan'],
    ['availability/dos', 'dos'],
    ['availability/ddos', 'dos'],
    ['information-content-security/unauthorised-information-modification', 'defacement'],
    ['information-gathering/scanner', 'scanning'],
    ['information-gathering/sniffing', 'other'],
    ['availability/outage', 'other'],
    ['fraud/masquerade', 'other'],
    ['abusive-content/harmful-speech', 'other'],
    ['intrusions/system-compromise', 'other'],
    ['intrusion-attempts/brute-force', 'other'],
    ['other/other', 'other'],
    ['test/test', 'other'],
  ] as const)('%s → %s', (rsit, category) => {
    expect(categoryOfRsit(rsit)).toBe(category);
  });

  it('tolerates case, blanks and a bare class', () => {
    expect(categoryOfRsit('  Fraud/Phishing ')).toBe('phishing');
    expect(categoryOfRsit('vulnerable')).toBe('vulnerability');
    expect(categoryOfRsit('malicious-code')).toBe('virus-worm-trojan');
  });

  it('maps unknown or malformed values to other', () => {
    expect(categoryOfRsit('')).toBe('other');
    expect(categoryOfRsit('phishing')).toBe('other');
    expect(categoryOfRsit('nonsense/value')).toBe('other');
  });

  it('maps every RSIT type to some category', () => {
    for (const t of RSIT_TYPES) expect(CATEGORIES).toContain(categoryOfRsit(t));
  });
});

describe('defaultRsitOf', () => {
  it('round-trips every category through its default RSIT type', () => {
    for (const c of CATEGORIES) {
      const rsit = defaultRsitOf(c);
      expect(isRsitType(rsit)).toBe(true);
      expect(categoryOfRsit(rsit)).toBe(c);
    }
  });

  it('uses the documented defaults', () => {
    expect(defaultRsitOf('phishing')).toBe('fraud/phishing');
    expect(defaultRsitOf('web-malicious-code')).toBe('malicious-code/malware-distribution');
    expect(defaultRsitOf('virus-worm-trojan')).toBe('malicious-code/infected-system');
    expect(defaultRsitOf('dos')).toBe('availability/dos');
    expect(defaultRsitOf('defacement')).toBe(
      'information-content-security/unauthorised-information-modification',
    );
    expect(defaultRsitOf('other')).toBe('other/other');
  });
});

describe('predicates and schemas', () => {
  it('isScanning is true only for scanning', () => {
    expect(CATEGORIES.filter(isScanning)).toEqual(['scanning']);
  });

  it('isRsitType and isCategory reject non-members', () => {
    expect(isRsitType('fraud/phishing')).toBe(true);
    expect(isRsitType('fraud')).toBe(false);
    expect(isRsitType('Fraud/Phishing')).toBe(false);
    expect(isRsitType(42)).toBe(false);
    expect(isCategory('dos')).toBe(true);
    expect(isCategory('ddos')).toBe(false);
  });

  it('zod schemas accept members only', () => {
    expect(categorySchema.parse('defacement')).toBe('defacement');
    expect(categorySchema.safeParse('ransomware').success).toBe(false);
    expect(rsitSchema.parse('availability/ddos')).toBe('availability/ddos');
    expect(rsitSchema.safeParse('availability').success).toBe(false);
  });
});
