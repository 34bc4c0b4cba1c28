import { describe, expect, it } from 'vitest';
import {
  formatIpv4,
  isPublicIpv4,
  isPublicIpv6,
  maskIpv4,
  maskIpv6,
  parseCidr,
  parseIp,
  parseIpv4,
  parseIpv6,
} from './ip.ts';

describe('address parsing', () => {
  it('parses dotted quads without allocating, rejecting anything else', () => {
    expect(parseIpv4('1.2.3.4')).toBe(0x01020304);
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
    expect(parseIpv4('0.0.0.0')).toBe(0);
    expect(formatIpv4(parseIpv4('202.96.128.86'))).toBe('202.96.128.86');
    for (const bad of [
      '',
      '1.2.3',
      '1.2.3.4.5',
      '256.1.1.1',
      '1.2.3.-4',
      ' 1.2.3.4',
      '1..2.3',
      '1.2.3.4.',
      'a.b.c.d',
      '1.2.3.1000',
    ])
      expect(parseIpv4(bad)).toBe(-1);
  });

  it('parses IPv6 and folds IPv4-mapped addresses into IPv4', () => {
    expect(parseIpv6('2001:db8::1')).toBe(0x20010db8000000000000000000000001n);
    expect(parseIpv6('1.2.3.4')).toBeNull();
    expect(parseIpv6('2001:db8::g')).toBeNull();
    expect(parseIp('::ffff:8.8.4.4')).toEqual({ v: 4, n: 0x08080404 });
    expect(parseIp('::1')).toEqual({ v: 6, n: 1n });
    expect(parseIp('localhost')).toBeNull();
  });

  it('parses CIDRs and masks host bits', () => {
    expect(parseCidr('10.1.2.3/8')).toEqual({ v: 4, start: 0x0a000000, bits: 8 });
    expect(parseCidr('10.1.2.3')).toEqual({ v: 4, start: 0x0a010203, bits: 32 });
    expect(parseCidr('0.0.0.0/0')).toEqual({ v: 4, start: 0, bits: 0 });
    expect(parseCidr('2001:db8:ffff::/32')).toEqual({ v: 6, start: 0x20010db8n << 96n, bits: 32 });
    expect(parseCidr('10.0.0.0/33')).toBeNull();
    expect(parseCidr('10.0.0.0/x')).toBeNull();
    expect(parseCidr('nope/8')).toBeNull();
    expect(maskIpv4(0xffffffff, 32)).toBe(0xffffffff);
    expect(maskIpv4(0xc0a80101, 16)).toBe(0xc0a80000);
    expect(maskIpv6((1n << 128n) - 1n, 1)).toBe(1n << 127n);
  });

  it('tells public addresses from special-purpose ones', () => {
    for (const ip of [
      '10.1.1.1',
      '127.0.0.1',
      '192.168.1.1',
      '172.31.255.255',
      '100.64.0.1',
      '169.254.1.1',
      '224.0.0.1',
      '255.255.255.255',
      '0.1.2.3',
      '198.51.100.7',
    ])
      expect(isPublicIpv4(parseIpv4(ip))).toBe(false);
    for (const ip of ['8.8.8.8', '202.96.128.86', '172.32.0.1', '100.128.0.1', '192.169.0.1'])
      expect(isPublicIpv4(parseIpv4(ip))).toBe(true);
    expect(isPublicIpv6(parseIpv6('2001:4860:4860::8888')!)).toBe(true);
    expect(isPublicIpv6(parseIpv6('::1')!)).toBe(false);
    expect(isPublicIpv6(parseIpv6('fe80::1')!)).toBe(false);
    expect(isPublicIpv6(parseIpv6('fd00::1')!)).toBe(false);
    expect(isPublicIpv6(parseIpv6('2001:db8::1')!)).toBe(false);
  });
});
