import { describe, expect, it } from 'vitest';
import { createBranchMatcher } from '../../core/directory/branch-matcher.ts';
import { DEFAULT_BRANCHES } from '../../core/directory/defaults.ts';
import type { FeedEvent } from '../../core/events/event.ts';
import { createBranchExpert } from './branch.expert.ts';
import { createContactExpert } from './contact.expert.ts';
import { createTaxonomyExpert } from './taxonomy.expert.ts';
import type { DirectorySnapshot } from './types.ts';
import { createUrlExpert, hostOfUrl, normaliseFqdn } from './url.expert.ts';

const directory: DirectorySnapshot = {
  networks: [
    { cidr: '202.96.0.0/12', orgId: 1 }, // a carrier
    { cidr: '202.96.128.0/24', orgId: 2 }, // its customer
    { cidr: '202.96.128.64/26', orgId: 3 }, // the customer's customer
    { cidr: '202.96.128.0/24', orgId: 4 }, // the same network again: the first listed wins
    { cidr: '2001:db8::/32', orgId: 2 },
    { cidr: '2001:db8:1::/48', orgId: 3 },
    { cidr: 'garbage', orgId: 1 },
    { cidr: '198.51.100.0/24', orgId: 99 }, // an organisation not in the snapshot
  ],
  asns: [
    { asn: 4134, orgId: 1 },
    { asn: 4134, orgId: 4 },
    { asn: 4837, orgId: 4 },
  ],
  domains: [
    { domain: 'example.cn', orgId: 4 },
    { domain: 'gov.example.cn', orgId: 5 },
    { domain: 'xn--fiqs8s', orgId: 6 }, // 中国
  ],
  orgs: [
    { id: 1, name: '中国电信', abuseEmail: 'abuse@chinatelecom.example', branchCode: null },
    { id: 2, name: '某托管商', abuseEmail: 'abuse@host.example', branchCode: 'CN-GD' },
    { id: 3, name: '某网店', abuseEmail: null, branchCode: 'CN-SH' },
    { id: 4, name: '中国联通', abuseEmail: 'abuse@unicom.example', branchCode: 'CN-BJ' },
    { id: 5, name: '某政府网站', abuseEmail: 'webmaster@gov.example.cn', branchCode: 'CN-HA' },
    { id: 6, name: 'IDN registry', abuseEmail: null, branchCode: null },
  ],
};

describe('contact expert', () => {
  const contact = createContactExpert(directory);

  it('picks the longest covering prefix', () => {
    expect(contact.lookup({ ip: '202.96.128.70' })).toMatchObject({ org: { id: 3 }, match: 'network' });
    expect(contact.lookup({ ip: '202.96.128.1' })).toMatchObject({ org: { id: 2 }, match: 'network' });
    expect(contact.lookup({ ip: '202.100.1.1' })).toMatchObject({ org: { id: 1 }, match: 'network' });
    expect(contact.lookup({ ip: '2001:db8:1::9' })?.org.id).toBe(3);
    expect(contact.lookup({ ip: '2001:db8:2::9' })?.org.id).toBe(2);
    expect(contact.lookup({ ip: '::ffff:202.96.128.70' })?.org.id).toBe(3);
    expect(contact.lookup({ ip: '198.51.100.1' })).toBeNull();
    expect(contact.lookup({ ip: '8.8.8.8' })).toBeNull();
    expect(contact.stats().invalidNetworks).toBe(1);
  });

  it('falls back to the most specific domain, then to the AS number', () => {
    expect(contact.lookup({ fqdn: 'www.gov.example.cn' })).toMatchObject({ org: { id: 5 }, match: 'domain' });
    expect(contact.lookup({ fqdn: 'shop.example.cn' })).toMatchObject({ org: { id: 4 }, match: 'domain' });
    expect(contact.lookup({ fqdn: 'Example.CN.' })?.org.id).toBe(4);
    expect(contact.lookup({ fqdn: '例子.中国' })?.org.id).toBe(6);
    expect(contact.lookup({ fqdn: 'notexample.cn' })).toBeNull();
    expect(contact.lookup({ ip: '8.8.8.8', asn: 4134 })).toMatchObject({ org: { id: 1 }, match: 'asn' });
    expect(contact.lookup({ ip: '8.8.8.8', fqdn: 'a.example.cn', asn: 4134 })?.match).toBe('domain');
    expect(contact.lookup({ ip: '202.96.128.1', fqdn: 'a.example.cn', asn: 4837 })?.match).toBe('network');
    expect(contact.lookup({ asn: 64512 })).toBeNull();
  });

  it('sets org id, abuse e-mail and (only when geo gave none) the organisation’s branch', () => {
    const events: FeedEvent[] = [
      { 'source.ip': '202.96.128.1', 'source.branch': 'CN-GX', 'destination.ip': '202.96.128.70' },
      { 'source.ip': '8.8.8.8', 'source.asn': 4837 },
      { 'source.url': 'http://www.gov.example.cn/', 'source.fqdn': 'www.gov.example.cn' },
      { 'source.ip': '192.0.2.1' },
      {},
    ];
    contact.process(events);
    expect(events[0]).toMatchObject({
      'source.org_id': 2,
      'source.abuse_contact': 'abuse@host.example',
      'source.branch': 'CN-GX',
      'destination.org_id': 3,
      'destination.branch': 'CN-SH',
    });
    expect(events[0]!['destination.abuse_contact']).toBeUndefined();
    expect(events[1]).toMatchObject({
      'source.org_id': 4,
      'source.abuse_contact': 'abuse@unicom.example',
      'source.branch': 'CN-BJ',
    });
    expect(events[2]).toMatchObject({ 'source.org_id': 5, 'source.branch': 'CN-HA' });
    expect(events[3]).toEqual({ 'source.ip': '192.0.2.1' });
    expect(events[4]).toEqual({});
    expect(contact.stats()).toMatchObject({
      lookups: 5,
      hits: 4,
      misses: 1,
      'match:network': 2,
      'match:asn': 1,
      'match:domain': 1,
    });
  });

  it('does nothing with an empty directory', () => {
    const none = createContactExpert({ networks: [], asns: [], domains: [], orgs: [] });
    const e: FeedEvent = { 'source.ip': '202.96.128.1', 'source.asn': 4134 };
    none.process([e]);
    expect(e).toEqual({ 'source.ip': '202.96.128.1', 'source.asn': 4134 });
  });
});

describe('url expert', () => {
  it('takes the host of a URL: lower case, punycode, IP literals', () => {
    expect(hostOfUrl('http://WWW.Example.COM:8080/a?b')).toEqual({ kind: 'fqdn', fqdn: 'www.example.com' });
    expect(hostOfUrl('https://Bücher.example/')).toEqual({ kind: 'fqdn', fqdn: 'xn--bcher-kva.example' });
    expect(hostOfUrl('example.org/login.php')).toEqual({ kind: 'fqdn', fqdn: 'example.org' });
    expect(hostOfUrl('http://example.org./')).toEqual({ kind: 'fqdn', fqdn: 'example.org' });
    expect(hostOfUrl('http://203.0.113.9/x.exe')).toEqual({ kind: 'ip', ip: '203.0.113.9' });
    expect(hostOfUrl('http://[2001:db8::1]:80/')).toEqual({ kind: 'ip', ip: '2001:db8::1' });
    expect(hostOfUrl('http://user:pw@evil.example/')).toEqual({ kind: 'fqdn', fqdn: 'evil.example' });
    expect(hostOfUrl('')).toBeNull();
    expect(hostOfUrl('http://')).toBeNull();
    expect(hostOfUrl('http://exa mple.com/')).toBeNull();
    expect(normaliseFqdn('WWW.例子.中国.')).toBe('www.xn--fsqu00a.xn--fiqs8s');
    expect(normaliseFqdn('plain.example')).toBe('plain.example');
    expect(normaliseFqdn('bad name')).toBeNull();
  });

  it('fills *.fqdn or *.ip from *.url and normalises a given fqdn', () => {
    const events: FeedEvent[] = [
      { 'source.url': 'http://Phish.Example.COM/login' },
      { 'source.url': 'http://203.0.113.9/x.exe' },
      { 'source.url': 'http://a.example/', 'source.fqdn': 'B.Example' },
      { 'destination.url': 'not a url at all://' },
      { 'source.fqdn': 'MiXeD.example' },
    ];
    const url = createUrlExpert();
    url.process(events);
    expect(events[0]!['source.fqdn']).toBe('phish.example.com');
    expect(events[1]).toMatchObject({ 'source.ip': '203.0.113.9' });
    expect(events[1]!['source.fqdn']).toBeUndefined();
    expect(events[2]!['source.fqdn']).toBe('b.example');
    expect(events[3]).toEqual({ 'destination.url': 'not a url at all://' });
    expect(events[4]!['source.fqdn']).toBe('mixed.example');
    expect(url.stats()).toMatchObject({ urls: 4, invalid: 1, fqdn: 1, ip: 1 });
  });
});

describe('branch expert', () => {
  const branch = createBranchExpert(createBranchMatcher(DEFAULT_BRANCHES));

  it('maps a mainland province in any spelling to its branch, and nothing else', () => {
    const events: FeedEvent[] = [
      { 'source.geolocation.cc': 'CN', 'source.geolocation.province': '广东省' },
      { 'source.geolocation.cc': 'CN', 'source.geolocation.province': '北京' },
      { 'source.geolocation.cc': 'CN', 'source.geolocation.region': 'GUANGDONG SHENG' },
      { 'destination.geolocation.cc': 'CN', 'destination.geolocation.province': '新疆维吾尔自治区' },
      { 'source.geolocation.cc': 'TW', 'source.geolocation.province': '台湾省' },
      { 'source.geolocation.cc': 'CN' },
      { 'source.geolocation.cc': 'CN', 'source.geolocation.province': 'Atlantis' },
    ];
    branch.process(events);
    expect(events.map((e) => e['source.branch'] ?? e['destination.branch'] ?? null)).toEqual([
      'CN-GD',
      'CN-BJ',
      'CN-GD',
      'CN-XJ',
      null,
      null,
      null,
    ]);
    expect(branch.stats()).toEqual({ lookups: 5, hits: 4, misses: 1 });
  });
});

describe('taxonomy expert', () => {
  it('sets IntelMQ type and RSIT class, renaming old types', () => {
    const events: FeedEvent[] = [
      { 'classification.type': 'infected-system' },
      { 'classification.type': 'botnet drone' },
      { 'classification.type': 'c&c' },
      { 'classification.type': 'phishing', 'classification.taxonomy': 'wrong' },
      { 'classification.type': 'unauthorised-information-modification' },
      { 'classification.type': 'something-new' },
      {},
    ];
    const t = createTaxonomyExpert();
    t.process(events);
    expect(events.map((e) => [e['classification.type'], e['classification.taxonomy']])).toEqual([
      ['infected-system', 'malicious-code'],
      ['infected-system', 'malicious-code'],
      ['c2-server', 'malicious-code'],
      ['phishing', 'fraud'],
      ['unauthorised-information-modification', 'information-content-security'],
      ['something-new', 'other'],
      ['undetermined', 'other'],
    ]);
    expect(t.stats()).toEqual({ events: 7, missing: 1, unknown: 1 });
  });
});
