import { describe, expect, it } from 'vitest';
import { RSIT_TYPES } from '../incidents/categories.ts';
import { CLASSIFICATION_TYPES, normaliseClassificationType, rsitOf, taxonomyOf } from './taxonomy.ts';

describe('classification taxonomy', () => {
  it('maps the type of every feed the parsers read to its RSIT class/type', () => {
    // The types the corpus' expected.json files (IntelMQ's own parser tests) give.
    const feeds: [type: string, rsit: string][] = [
      ['infected-system', 'malicious-code/infected-system'], // Shadowserver drone/sinkhole, Spamhaus CERT, CTIP
      ['c2-server', 'malicious-code/c2-server'], // Feodo Tracker, Bambenek C2
      ['malware-distribution', 'malicious-code/malware-distribution'], // Shadowserver malware URL
      ['phishing', 'fraud/phishing'], // OpenPhish, PhishTank, Shadowserver phish URL
      ['scanner', 'information-gathering/scanner'], // honeypot http scan, Cymru CAP
      ['brute-force', 'intrusion-attempts/brute-force'], // Cymru CAP
      ['system-compromise', 'intrusions/system-compromise'], // compromised website
      [
        'unauthorised-information-modification',
        'information-content-security/unauthorised-information-modification',
      ], // Zone-H
      ['vulnerable-system', 'vulnerable/vulnerable-system'], // scan_smb
    ];
    for (const [type, rsit] of feeds) {
      expect(rsitOf(type)).toBe(rsit);
      expect(taxonomyOf(type)).toBe(rsit.split('/')[0]);
    }
  });

  it('accepts older IntelMQ names, RSIT class/type and sloppy spelling', () => {
    expect(normaliseClassificationType('botnet drone')).toBe('infected-system');
    expect(normaliseClassificationType('Botnet Drone')).toBe('infected-system');
    expect(normaliseClassificationType('c&c')).toBe('c2-server');
    expect(normaliseClassificationType(' C2_Server ')).toBe('c2-server');
    expect(normaliseClassificationType('defacement')).toBe('unauthorised-information-modification');
    expect(normaliseClassificationType('vulnerable service')).toBe('vulnerable-system');
    expect(normaliseClassificationType('malicious-code/infected-system')).toBe('infected-system');
    expect(normaliseClassificationType('unauthorised-use-of-resources')).toBe(
      'unauthorized-use-of-resources',
    );
    expect(rsitOf('unauthorized-use-of-resources')).toBe('fraud/unauthorised-use-of-resources');
    expect(rsitOf('blacklist')).toBe('other/other');
    expect(taxonomyOf('dga domain')).toBe('other');
  });

  it('calls unknown or missing types undetermined', () => {
    expect(normaliseClassificationType('no-such-type')).toBeNull();
    expect(normaliseClassificationType('')).toBeNull();
    expect(normaliseClassificationType(undefined)).toBeNull();
    expect(rsitOf('no-such-type')).toBe('other/undetermined');
    expect(taxonomyOf(null)).toBe('other');
    // names every object has are no types either
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'ToString']) {
      expect(normaliseClassificationType(name)).toBeNull();
      expect(rsitOf(name)).toBe('other/undetermined');
      expect(taxonomyOf(name)).toBe('other');
    }
  });

  it('knows a type for every RSIT class/type and maps only to real RSIT values', () => {
    const rsit = new Set<string>(RSIT_TYPES);
    const reached = new Set(CLASSIFICATION_TYPES.map((t) => rsitOf(t)));
    for (const r of reached) expect(rsit.has(r)).toBe(true);
    for (const r of RSIT_TYPES) expect(reached.has(r)).toBe(true);
    for (const t of CLASSIFICATION_TYPES) expect(normaliseClassificationType(t)).toBe(t);
  });
});
