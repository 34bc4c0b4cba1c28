import { isIP } from 'node:net';
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { DomainError } from '../shared/errors.ts';
import {
  cidrToRange,
  classifyObservable,
  extractObservables,
  ipToKey,
  isDomain,
  isIp,
  normaliseIp,
  observableSchema,
  parseCidr,
  refang,
  type Observable,
  type ObservableKind,
} from './observables.ts';

function valuesOf(text: string, kind: ObservableKind): string[] {
  return extractObservables(text)
    .filter((o) => o.kind === kind)
    .map((o) => o.value);
}

describe('refang', () => {
  it('undoes common defanging', () => {
    expect(refang('hxxp://evil[.]example[.]com/a')).toBe('http://evil.example.com/a');
    expect(refang('hXXps[://]evil(.)com')).toBe('https://evil.com');
    expect(refang('http[:]//a{.}b[dot]c(dot)cn')).toBe('http://a.b.c.cn');
    expect(refang('user[@]example[.]cn, admin(at)example[at]x')).toBe('user@example.cn, admin@example@x');
    expect(refang('evil dot example dot com')).toBe('evil.example.com');
    expect(refang('example [.] com')).toBe('example.com');
  });

  it('converts full-width punctuation only inside indicators', () => {
    expect(refang('http：//evil。cn：8080/x')).toBe('http://evil.cn:8080/x');
    expect(refang('已处理。谢谢：请回复')).toBe('已处理。谢谢：请回复');
    expect(refang('user＠example．com')).toBe('user@example.com');
  });

  it('leaves spoken dots alone unless they end in a TLD', () => {
    expect(refang('connect the dot notation')).toBe('connect the dot notation');
  });
});

describe('extractObservables — URLs and domains', () => {
  it('separates URLs from surrounding Chinese text', () => {
    expect(extractObservables('恶意网址http://6688.89111.cn/m42.htm，请处理')).toEqual([
      { kind: 'url', value: 'http://6688.89111.cn/m42.htm' },
      { kind: 'domain', value: '6688.89111.cn' },
    ]);
  });

  it('refangs defanged URLs, IPs and e-mail addresses', () => {
    expect(
      extractObservables('hxxp://evil[.]example[.]com/a 来自 1.2.3[.]4，联系user[@]example[.]cn'),
    ).toEqual([
      { kind: 'url', value: 'http://evil.example.com/a' },
      { kind: 'domain', value: 'evil.example.com' },
      { kind: 'ipv4', value: '1.2.3.4' },
      { kind: 'email', value: 'user@example.cn' },
      { kind: 'domain', value: 'example.cn' },
    ]);
  });

  it('handles full-width dots and colons in Chinese reports', () => {
    expect(extractObservables('网站example。com被篡改，访问http：//evil。cn：8080/x。谢谢')).toEqual([
      { kind: 'domain', value: 'example.com' },
      { kind: 'url', value: 'http://evil.cn:8080/x' },
      { kind: 'domain', value: 'evil.cn' },
    ]);
  });

  it('strips sentence punctuation and unbalanced brackets from URLs', () => {
    expect(
      valuesOf(
        '(see http://a.com/x_(y)) [http://b.com]. Also http://c.com/path. And http://d.com, ok',
        'url',
      ),
    ).toEqual(['http://a.com/x_(y)', 'http://b.com', 'http://c.com/path', 'http://d.com']);
    expect(valuesOf('<a href="https://e.com/q?a=1&b=2">x</a>', 'url')).toEqual(['https://e.com/q?a=1&b=2']);
  });

  it('lower-cases scheme and host but keeps the path', () => {
    expect(extractObservables('HTTPS://Evil.EXAMPLE.com:8443/Login.PHP?ID=A')).toEqual([
      { kind: 'url', value: 'https://evil.example.com:8443/Login.PHP?ID=A' },
      { kind: 'domain', value: 'evil.example.com' },
    ]);
  });

  it('takes the real host of URLs with userinfo and IP hosts', () => {
    expect(extractObservables('http://paypal.com@evil.com/login')).toEqual([
      { kind: 'url', value: 'http://paypal.com@evil.com/login' },
      { kind: 'domain', value: 'evil.com' },
    ]);
    expect(extractObservables('http://1.2.3.4:8080/a.exe')).toEqual([
      { kind: 'url', value: 'http://1.2.3.4:8080/a.exe' },
      { kind: 'ipv4', value: '1.2.3.4' },
    ]);
    expect(extractObservables('http://[2001:DB8::1]/x')).toEqual([
      { kind: 'url', value: 'http://[2001:db8::1]/x' },
      { kind: 'ipv6', value: '2001:db8::1' },
    ]);
  });

  it('ignores URLs whose host is not public-looking', () => {
    expect(valuesOf('http://localhost:8080/x http://intranet/y http://999.1.1.1/z', 'url')).toEqual([]);
  });

  it('finds hosts of URLs nested in a query string as domains', () => {
    const out = extractObservables('https://t.example.net/r?u=http://evil.org/p');
    expect(out).toEqual([
      { kind: 'url', value: 'https://t.example.net/r?u=http://evil.org/p' },
      { kind: 'domain', value: 't.example.net' },
      { kind: 'domain', value: 'evil.org' },
    ]);
  });

  it('lower-cases domains and strips trailing dots', () => {
    expect(valuesOf('Visit WWW.Example.COM. Then mail.example.org...', 'domain')).toEqual([
      'www.example.com',
      'mail.example.org',
    ]);
  });

  it.each([
    'session.exe',
    'report.txt',
    'm42.htm',
    'v1.2.3',
    'index.php',
    'archive.zip',
    'a.b',
    'e.g. i.e.',
    'Node.js',
  ])('does not take %s for a domain', (text) => {
    expect(valuesOf(text, 'domain')).toEqual([]);
  });

  it('accepts country-code, generic and punycode TLDs', () => {
    expect(valuesOf('gov.cn bad.xyz shop.top xn--fiqs8s.xn--fiqs8s a.co.uk', 'domain')).toEqual([
      'gov.cn',
      'bad.xyz',
      'shop.top',
      'xn--fiqs8s.xn--fiqs8s',
      'a.co.uk',
    ]);
  });
});

describe('extractObservables — e-mail', () => {
  it('yields the address and its domain', () => {
    expect(extractObservables('发件人John.Doe+cert@Example.COM，请核实')).toEqual([
      { kind: 'email', value: 'john.doe+cert@example.com' },
      { kind: 'domain', value: 'example.com' },
    ]);
  });

  it('does not take the local part for a domain', () => {
    expect(valuesOf('john.doe.it@example.org', 'domain')).toEqual(['example.org']);
  });

  it('rejects addresses without a known TLD', () => {
    expect(valuesOf('root@localhost admin@server.local', 'email')).toEqual([]);
  });
});

describe('extractObservables — IP addresses', () => {
  it('finds valid IPv4 and rejects invalid or ambiguous ones', () => {
    expect(valuesOf('源IP 1.2.3.4:80，目的10.0.0.1/24；255.255.255.255', 'ipv4')).toEqual([
      '1.2.3.4',
      '10.0.0.1',
      '255.255.255.255',
    ]);
    expect(valuesOf('999.1.1.1 1.2.3.256 01.2.3.4 1.2.3 1.2.3.4.5 v1.2.3.4 1.2.3.4abc', 'ipv4')).toEqual([]);
  });

  it('finds both ends of a range and IPs at sentence end', () => {
    expect(valuesOf('范围1.2.3.4-1.2.3.10。地址 5.6.7.8.', 'ipv4')).toEqual([
      '1.2.3.4',
      '1.2.3.10',
      '5.6.7.8',
    ]);
  });

  it('does not take labels of a host name for an IP', () => {
    expect(extractObservables('4.3.2.1.in-addr.arpa')).toEqual([
      { kind: 'domain', value: '4.3.2.1.in-addr.arpa' },
    ]);
  });

  it('normalises IPv6 to its canonical compressed form', () => {
    expect(valuesOf('2001:db8::1 and 2001:0db8:0000:0000:0000:0000:0000:0001', 'ipv6')).toEqual([
      '2001:db8::1',
    ]);
    expect(valuesOf('地址2001:DB8:0:0:1:0:0:1，', 'ipv6')).toEqual(['2001:db8::1:0:0:1']);
    expect(valuesOf('IPv6:fe80::1%eth0 [2001:db8::2]:443 ::1', 'ipv6')).toEqual([
      'fe80::1',
      '2001:db8::2',
      '::1',
    ]);
  });

  it('keeps the dotted quad of IPv4-mapped IPv6 without reporting it as IPv4', () => {
    expect(extractObservables('::ffff:1.2.3.4')).toEqual([{ kind: 'ipv6', value: '::ffff:1.2.3.4' }]);
    expect(extractObservables('::FFFF:0102:0304')).toEqual([{ kind: 'ipv6', value: '::ffff:1.2.3.4' }]);
  });

  it('does not take times, MAC addresses or scope operators for IPv6', () => {
    expect(
      valuesOf('12:30:45 00:1a:2b:3c:4d:5e std::vector Foo::Bar a:b:c 1:2:3:4:5:6:7:8:9 ::', 'ipv6'),
    ).toEqual([]);
  });
});

describe('extractObservables — hashes', () => {
  const md5 = 'd41d8cd98f00b204e9800998ecf8427e';
  const sha1 = 'da39a3ee5e6b4b0d3255bfef95601890afd80709';
  const sha256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

  it('finds each length and lower-cases it', () => {
    expect(extractObservables(`MD5:${md5.toUpperCase()}，SHA1=${sha1} sha256 ${sha256}`)).toEqual([
      { kind: 'md5', value: md5 },
      { kind: 'sha1', value: sha1 },
      { kind: 'sha256', value: sha256 },
    ]);
  });

  it('needs exact lengths bounded by non-hex characters', () => {
    expect(extractObservables(`${md5}0`)).toEqual([]);
    expect(extractObservables(md5.slice(1))).toEqual([]);
    expect(extractObservables(`样本${md5}样本`)).toEqual([{ kind: 'md5', value: md5 }]);
    expect(valuesOf(`${sha256}${sha256}`, 'sha256')).toEqual([]);
  });
});

describe('extractObservables — general', () => {
  it('dedupes by kind and value in first-seen order', () => {
    const out = extractObservables('1.2.3.4 evil.com 1.2.3.4 EVIL.com http://evil.com/ http://evil.com/');
    expect(out).toEqual([
      { kind: 'ipv4', value: '1.2.3.4' },
      { kind: 'domain', value: 'evil.com' },
      { kind: 'url', value: 'http://evil.com/' },
    ]);
  });

  it('dedupes many values (more than a report usually holds) in first-seen order', () => {
    const ips = Array.from({ length: 12 }, (_, i) => `192.0.2.${i + 1}`);
    const out = extractObservables([...ips, ...ips.slice(0, 6).reverse(), 'evil.com', ips[3]].join(' '));
    expect(out).toEqual([
      ...ips.map((value) => ({ kind: 'ipv4', value })),
      { kind: 'domain', value: 'evil.com' },
    ]);
  });

  it('finds each candidate run however the runs sit next to each other', () => {
    expect(valuesOf('ratio 1:2, at 2001:db8::1 and fe80::1;c0fe::2', 'ipv6')).toEqual([
      '2001:db8::1',
      'fe80::1',
      'c0fe::2',
    ]);
    expect(valuesOf('from a.b@example.com via www.example.org.', 'domain')).toEqual([
      'example.com',
      'www.example.org',
    ]);
    expect(valuesOf('1.2.3.4.5 then 10.0.0.1, 1.2.3 and 255.255.255.255', 'ipv4')).toEqual([
      '10.0.0.1',
      '255.255.255.255',
    ]);
    const md5 = 'd41d8cd98f00b204e9800998ecf8427e';
    expect(valuesOf(`${md5}0 ${md5.slice(1)} ${md5}`, 'md5')).toEqual([md5]);
  });

  it('returns nothing for empty or indicator-free text', () => {
    expect(extractObservables('')).toEqual([]);
    expect(extractObservables('这是一个普通的句子，没有任何指标。Nothing to see here.')).toEqual([]);
  });

  it('returns values that pass the observable schema', () => {
    const out = extractObservables(
      'hxxp://evil[.]com/a 1.2.3.4 2001:db8::1 a@b.cn d41d8cd98f00b204e9800998ecf8427e',
    );
    for (const o of out) expect(observableSchema.parse(o)).toEqual(o);
  });

  it('extracts from 1 MB of dense text (speed: npm run bench -- observables)', () => {
    const sample =
      '恶意网址http://6688.89111.cn/m42.htm，请处理 hxxp://evil[.]example[.]com/a 1.2.3[.]4 user[@]example[.]cn ' +
      '2001:db8::1 d41d8cd98f00b204e9800998ecf8427e session.exe 网站example。com被篡改 ';
    const text = sample.repeat(Math.ceil(1_000_000 / sample.length));
    const out = extractObservables(text);
    expect(out).toHaveLength(10);
  });

  it.each([
    ['letters', 'a'.repeat(1_000_000)],
    ['labels', 'a.'.repeat(500_000)],
    ['dotted digits', '1.'.repeat(500_000)],
    ['schemes', 'http://'.repeat(150_000)],
    ['at signs', 'a@'.repeat(500_000)],
    ['colons', 'a:'.repeat(500_000)],
    ['spoken dots', 'a dot '.repeat(170_000)],
    ['blank run', `x${' '.repeat(1_000_000)}dot`],
    ['full-width dots', 'a。'.repeat(500_000)],
  ])('finishes on pathological input without catastrophic backtracking (%s)', (_name, text) => {
    // A super-linear pattern would run past the test timeout here; the figure itself is a benchmark.
    const out = extractObservables(text);
    for (const o of out) expect(observableSchema.parse(o)).toEqual(o);
  });
});

describe('extractObservables — properties', () => {
  it('never throws and only returns valid, normalised values', () => {
    const alphabet = [...'0123456789abcdefABCDEF.:/@[]()-_ hxtpsw。：，＠中文\n'];
    const text = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 300 }),
    );
    fc.assert(
      fc.property(text, (s) => {
        const out: Observable[] = extractObservables(s);
        const keys = new Set<string>();
        for (const o of out) {
          expect(keys.has(`${o.kind} ${o.value}`)).toBe(false);
          keys.add(`${o.kind} ${o.value}`);
          if (o.kind === 'ipv4') expect(isIP(o.value)).toBe(4);
          if (o.kind === 'ipv6') {
            expect(isIP(o.value)).toBe(6);
            expect(normaliseIp(o.value)).toBe(o.value);
          }
          if (o.kind === 'domain') expect(isDomain(o.value)).toBe(true);
          expect(o.value).toBe(o.value.trim());
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('finds every generated IPv4 and IPv6 surrounded by Chinese text', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.ipV6(), (v4, v6) => {
        // The unspecified address `::` is skipped on purpose: in prose it is a separator far more often.
        fc.pre(normaliseIp(v6) !== '::');
        const out = extractObservables(`地址${v4}，以及${v6}。`);
        const canonicalV6 = normaliseIp(v6);
        expect(out.some((o) => o.kind === 'ipv4' && o.value === v4)).toBe(true);
        expect(out.some((o) => o.kind === 'ipv6' && o.value === canonicalV6)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('isIp / normaliseIp / isDomain', () => {
  it('validates IPs strictly', () => {
    expect(isIp('1.2.3.4')).toBe(true);
    expect(isIp('2001:db8::1')).toBe(true);
    expect(isIp('::ffff:1.2.3.4')).toBe(true);
    for (const bad of [
      '999.1.1.1',
      '01.2.3.4',
      '1.2.3',
      '1',
      '0x7f.0.0.1',
      ' 1.2.3.4',
      '1.2.3.4/24',
      'fe80::1%eth0',
      '::ffff:01.2.3.4',
      '',
    ]) {
      expect(isIp(bad), bad).toBe(false);
    }
  });

  it('normalises IPs', () => {
    expect(normaliseIp('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(normaliseIp(' 10.0.0.1 ')).toBe('10.0.0.1');
    expect(normaliseIp('::1.2.3.4')).toBe('::102:304');
    expect(normaliseIp('nope')).toBeNull();
  });

  it('validates domains', () => {
    expect(isDomain('Example.COM.')).toBe(true);
    expect(isDomain('session.exe')).toBe(false);
    expect(isDomain('-bad.com')).toBe(false);
    expect(isDomain(`${'a'.repeat(64)}.com`)).toBe(false);
  });
});

describe('classifyObservable', () => {
  it.each([
    ['hxxps://Evil[.]com/A', { kind: 'url', value: 'https://evil.com/A' }],
    ['1.2.3[.]4', { kind: 'ipv4', value: '1.2.3.4' }],
    ['[2001:0db8::0001]', { kind: 'ipv6', value: '2001:db8::1' }],
    ['Evil.Example.COM', { kind: 'domain', value: 'evil.example.com' }],
    ['User[@]Example.cn', { kind: 'email', value: 'user@example.cn' }],
    ['D41D8CD98F00B204E9800998ECF8427E', { kind: 'md5', value: 'd41d8cd98f00b204e9800998ecf8427e' }],
  ] as const)('%s', (input, expected) => {
    expect(classifyObservable(input)).toEqual(expected);
  });

  it.each(['session.exe', 'http://localhost/', '999.1.1.1', 'two words.com', '', 'abc'])(
    'rejects %j',
    (input) => {
      expect(classifyObservable(input)).toBeNull();
    },
  );
});

describe('ipToKey', () => {
  it('maps IPv4 into the IPv4-mapped IPv6 space', () => {
    expect(ipToKey('1.2.3.4')).toBe('00000000000000000000ffff01020304');
    expect(ipToKey('::ffff:1.2.3.4')).toBe(ipToKey('1.2.3.4'));
    expect(ipToKey('2001:db8::1')).toBe('20010db8000000000000000000000001');
    expect(ipToKey('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe(ipToKey('2001:db8::1'));
    expect(ipToKey('::')).toBe('0'.repeat(32));
  });

  it('sorts IPv4 keys numerically', () => {
    const ips = [
      '10.0.0.2',
      '9.255.255.255',
      '10.0.0.10',
      '192.168.1.1',
      '1.2.3.4',
      '10.0.0.1',
      '255.255.255.255',
      '0.0.0.0',
    ];
    const byKey = [...ips].sort((a, b) => (ipToKey(a) < ipToKey(b) ? -1 : 1));
    const byNumber = [...ips].sort((a, b) => toNumber(a) - toNumber(b));
    expect(byKey).toEqual(byNumber);
    expect(byKey).toEqual([
      '0.0.0.0',
      '1.2.3.4',
      '9.255.255.255',
      '10.0.0.1',
      '10.0.0.2',
      '10.0.0.10',
      '192.168.1.1',
      '255.255.255.255',
    ]);
  });

  it('always yields 32 lower-case hex digits', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (ip) => {
        expect(ipToKey(ip)).toMatch(/^[0-9a-f]{32}$/);
      }),
    );
  });

  it('rejects invalid addresses', () => {
    expect(() => ipToKey('999.1.1.1')).toThrow(DomainError);
    expect(() => ipToKey('example.com')).toThrow(/is not a valid IP address/);
  });
});

describe('cidrToRange / parseCidr', () => {
  it('covers an IPv4 /24', () => {
    expect(cidrToRange('192.0.2.0/24')).toEqual({
      start: '00000000000000000000ffffc0000200',
      end: '00000000000000000000ffffc00002ff',
    });
    expect(cidrToRange('192.0.2.77/24')).toEqual(cidrToRange('192.0.2.0/24'));
  });

  it('keeps IPv4 /0 inside the IPv4-mapped block', () => {
    expect(cidrToRange('0.0.0.0/0')).toEqual({
      start: '00000000000000000000ffff00000000',
      end: '00000000000000000000ffffffffffff',
    });
  });

  it('treats /32 and a bare IPv4 as a single address', () => {
    const key = ipToKey('198.51.100.7');
    expect(cidrToRange('198.51.100.7/32')).toEqual({ start: key, end: key });
    expect(cidrToRange(' 198.51.100.7 ')).toEqual({ start: key, end: key });
  });

  it('covers an IPv6 /64, /128 and /0', () => {
    expect(cidrToRange('2001:db8:1:2::/64')).toEqual({
      start: '20010db8000100020000000000000000',
      end: '20010db800010002ffffffffffffffff',
    });
    const key = ipToKey('2001:db8::1');
    expect(cidrToRange('2001:db8::1')).toEqual({ start: key, end: key });
    expect(cidrToRange('2001:db8::1/128')).toEqual({ start: key, end: key });
    expect(cidrToRange('::/0')).toEqual({ start: '0'.repeat(32), end: 'f'.repeat(32) });
  });

  it('handles prefixes that do not fall on a byte boundary', () => {
    expect(cidrToRange('10.0.0.0/13')).toEqual({
      start: ipToKey('10.0.0.0'),
      end: ipToKey('10.7.255.255'),
    });
  });

  it('contains exactly the addresses of the block', () => {
    const { start, end } = cidrToRange('10.1.2.0/23');
    const inside = (ip: string): boolean => ipToKey(ip) >= start && ipToKey(ip) <= end;
    expect(inside('10.1.2.0')).toBe(true);
    expect(inside('10.1.3.255')).toBe(true);
    expect(inside('10.1.1.255')).toBe(false);
    expect(inside('10.1.4.0')).toBe(false);
    expect(inside('::ffff:10.1.2.5')).toBe(true);
    expect(inside('2001:db8::1')).toBe(false);
  });

  it('parses CIDR blocks into canonical networks', () => {
    expect(parseCidr('10.1.2.3/8')).toEqual({ version: 4, network: '10.0.0.0', prefix: 8 });
    expect(parseCidr('1.2.3.4')).toEqual({ version: 4, network: '1.2.3.4', prefix: 32 });
    expect(parseCidr('2001:DB8:0:0:1::/48')).toEqual({ version: 6, network: '2001:db8::', prefix: 48 });
  });

  it.each([
    '',
    'abc',
    '999.1.1.1/24',
    '10.0.0.0/33',
    '2001:db8::/129',
    '10.0.0.0/',
    '10.0.0.0/-1',
    '10.0.0.0/8/8',
    '10.0.0.0/ 8',
    '10.0.0/8',
  ])('rejects %j with invalid_input', (bad) => {
    let caught: unknown;
    try {
      cidrToRange(bad);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(DomainError);
    expect((caught as DomainError).id).toBe('invalid_input');
    expect((caught as DomainError).message).toMatch(
      /not a valid IP address or CIDR block|invalid prefix length/,
    );
  });

  it('explains an out-of-range prefix', () => {
    expect(() => cidrToRange('10.0.0.0/33')).toThrow(
      '"10.0.0.0/33" has an invalid prefix length: IPv4 prefixes run from /0 to /32',
    );
  });
});

function toNumber(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}
