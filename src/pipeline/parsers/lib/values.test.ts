import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { compileTimePattern, readEpochSeconds, readUtcTime, readWindowsFileTime } from './time.ts';
import {
  hostOfUrl,
  isIpv4,
  normalizeCc,
  normalizeFqdn,
  normalizeIp,
  normalizeNetwork,
  normalizeTlp,
  normalizeUrl,
  readAsn,
  readPort,
  taxonomyOf,
} from './values.ts';

describe('value checks', () => {
  it('IPv4 by hand, IPv6 through ipaddr.js', () => {
    for (const ok of ['0.0.0.0', '1.2.3.4', '255.255.255.255', '192.168.0.10']) expect(isIpv4(ok)).toBe(true);
    for (const bad of [
      '256.1.1.1',
      '1.2.3',
      '1.2.3.4.5',
      '01.2.3.4',
      '1.2.3.a',
      ' 1.2.3.4',
      '148.81.111.11.12',
      '',
    ])
      expect(isIpv4(bad)).toBe(false);
    expect(normalizeIp('2001:DB8:0:0::1')).toBe('2001:db8::1');
    expect(normalizeIp('[::1]')).toBe('::1');
    expect(normalizeIp('example.com')).toBeNull();
    expect(normalizeNetwork('204.152.192.0/19')).toBe('204.152.192.0/19');
    expect(normalizeNetwork('1.2.3.0/33')).toBeNull();
  });

  it('ports, AS numbers (zero is unknown), countries, TLP', () => {
    expect(readPort('p', '443')).toBe(443);
    expect(readPort('p', '80.0')).toBe(80);
    expect(() => readPort('destination.port', '-1')).toThrow(
      'destination.port: "-1" is not a port number (0-65535)',
    );
    expect(readAsn('a', 'AS12635')).toBe(12635);
    expect(readAsn('a', '0')).toBeUndefined();
    expect(() => readAsn('source.asn', '4294967296')).toThrow('source.asn: "4294967296" is not an AS number');
    expect(normalizeCc('zz')).toBe('ZZ');
    expect(normalizeCc('**')).toBeNull();
    expect(normalizeTlp('Green')).toBe('GREEN');
    expect(normalizeTlp('Yellow')).toBe('AMBER');
    expect(normalizeTlp('Unknown')).toBeNull();
  });

  it('host names and URLs as IntelMQ accepts them', () => {
    expect(normalizeFqdn('Example.COM.')).toBe('example.com');
    expect(normalizeFqdn('a_b.example.net')).toBe('a_b.example.net');
    for (const bad of ['1.2.3.4', 'www..example.com', 'localhost', 'http://x.com', '-', 'a b.com'])
      expect(normalizeFqdn(bad)).toBeNull();
    expect(normalizeUrl('http://www..example.com/phishing')).toBe('http://www..example.com/phishing');
    expect(normalizeUrl('/path/only')).toBeNull();
    expect(normalizeUrl('http://x y')).toBeNull();
    expect(hostOfUrl('https://user@Host.example:8443/a?b')).toBe('Host.example');
    expect(hostOfUrl('http://[2001:db8::1]:80/')).toBe('2001:db8::1');
  });

  it('RSIT classes of RSIT types', () => {
    expect(taxonomyOf('c2-server')).toBe('malicious-code');
    expect(taxonomyOf('unauthorised-information-modification')).toBe('information-content-security');
    expect(taxonomyOf('botnet drone')).toBeUndefined();
  });
});

describe('times', () => {
  it('reads Shadowserver and ISO times as UTC in one canonical form', () => {
    expect(readUtcTime('t', '2021-03-04 00:00:00')).toBe('2021-03-04T00:00:00.000Z');
    expect(readUtcTime('t', '2021-03-04T00:00:00Z')).toBe('2021-03-04T00:00:00.000Z');
    expect(readUtcTime('t', '2021-03-04T00:00:00.000Z')).toBe('2021-03-04T00:00:00.000Z');
    expect(readUtcTime('t', '2019-03-22 11:18:52 GMT')).toBe('2019-03-22T11:18:52.000Z');
    expect(readUtcTime('t', '2020-05-24 22:45:28.4870')).toBe('2020-05-24T22:45:28.487Z');
    expect(readUtcTime('t', '2022-11-16T14:08:44+00:00')).toBe('2022-11-16T14:08:44.000Z');
    expect(readUtcTime('t', '2022-11-16T22:08:44+0800')).toBe('2022-11-16T14:08:44.000Z');
    expect(readUtcTime('t', '2016-11-12 18:02')).toBe('2016-11-12T18:02:00.000Z');
    expect(readUtcTime('t', '2022-11-15')).toBe('2022-11-15T00:00:00.000Z');
    expect(() => readUtcTime('time.source', '2021-13-01 00:00:00')).toThrow(
      'time.source: "2021-13-01 00:00:00" is not a valid date and time',
    );
    expect(() => readUtcTime('time.source', '2021-01-01 24:00:00')).toThrow('is not a valid date and time');
    expect(() => readUtcTime('time.source', 'yesterday')).toThrow('is not a valid date and time');
  });

  it('gives a repeated time the same answer, and still refuses a bad one after a good one', () => {
    const a = readUtcTime('t', '2026-11-01 08:00:01');
    expect(readUtcTime('t', '2026-11-01 08:00:01')).toBe(a);
    expect(readUtcTime('t', '2026-11-01 08:00:02')).toBe('2026-11-01T08:00:02.000Z');
    expect(() => readUtcTime('time.source', '2026-11-01 08:00:61')).toThrow(
      'time.source: "2026-11-01 08:00:61" is not a valid date and time',
    );
    expect(() => readUtcTime('time.source', '2026-11-01 08:00:61')).toThrow('is not a valid date and time');
    expect(readUtcTime('t', '2026-11-01 08:00:02')).toBe('2026-11-01T08:00:02.000Z');
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 86_399 }), { maxLength: 30 }), (seconds) => {
        for (const sec of seconds) {
          const iso = new Date(Date.UTC(2026, 10, 1) + sec * 1000).toISOString();
          expect(readUtcTime('t', iso.slice(0, 19).replace('T', ' '))).toBe(iso);
        }
      }),
    );
  });

  it("reads a line's time as written and then as converted (a schema conversion, then the field) to the same answer", async () => {
    expect(() => readUtcTime('time.source', '')).toThrow('is not a valid date and time');
    // and in a fresh module, before any time was read
    vi.resetModules();
    const fresh = (await import('./time.ts')).readUtcTime;
    expect(() => fresh('time.source', '')).toThrow('is not a valid date and time');
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 86_399 }), { maxLength: 30 }), (seconds) => {
        for (const sec of seconds) {
          const iso = new Date(Date.UTC(2026, 10, 1) + sec * 1000).toISOString();
          const converted = readUtcTime('t', iso.slice(0, 19).replace('T', ' '));
          expect(converted).toBe(iso);
          expect(readUtcTime('t', converted)).toBe(iso);
          expect(() => readUtcTime('time.source', '')).toThrow('is not a valid date and time');
          expect(() => readUtcTime('time.source', iso.replace('.000Z', '.000X'))).toThrow(
            'is not a valid date and time',
          );
        }
      }),
    );
  });

  it('epoch seconds, Windows file times and patterns', () => {
    expect(readEpochSeconds('t', '1441008970')).toBe('2015-08-31T08:16:10.000Z');
    expect(readWindowsFileTime('t', 132348339284870000)).toBe('2020-05-24T22:45:28.487Z');
    const dmy = compileTimePattern('DD.MM.YYYY HH:mm:ss Z');
    expect(dmy('t', '01.03.2026 18:30:00 +0800')).toBe('2026-03-01T10:30:00.000Z');
    expect(() => dmy('t', '2026-03-01')).toThrow('does not match the time format "DD.MM.YYYY HH:mm:ss Z"');
  });
});
