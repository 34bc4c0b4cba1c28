import { describe, expect, it } from 'vitest';
import { DEFAULT_BRANCHES } from '../../core/directory/defaults.ts';
import { dedupFieldsFor } from '../../core/events/dedup.ts';
import type { FeedEvent } from '../../core/events/event.ts';
import { createExpertChain, loadOfflineData } from './index.ts';
import type { DirectorySnapshot } from './types.ts';

const directory: DirectorySnapshot = {
  networks: [{ cidr: '202.96.128.0/24', orgId: 10 }],
  asns: [{ asn: 15169, orgId: 11 }],
  domains: [{ domain: 'gov.example.cn', orgId: 12 }],
  orgs: [
    { id: 10, name: '广州某公司', abuseEmail: 'abuse@gz.example.cn', branchCode: 'CN-SH' },
    { id: 11, name: 'Google', abuseEmail: 'abuse@google.example', branchCode: null },
    { id: 12, name: '某政府', abuseEmail: 'web@gov.example.cn', branchCode: 'CN-HA' },
  ],
};

describe('expert chain', () => {
  it('enriches events through every expert in order', async () => {
    const chain = await createExpertChain({ branches: DEFAULT_BRANCHES, directory });
    const events: FeedEvent[] = [
      {
        'feed.name': 'shadowserver-event4-sinkhole',
        'classification.type': 'botnet drone',
        'source.ip': '202.96.128.86',
        'destination.ip': '8.8.8.8',
        'malware.name': 'conficker',
      },
      {
        'feed.name': 'zone-h',
        'classification.type': 'defacement',
        'source.url': 'http://WWW.Gov.Example.CN/index.html',
      },
      {
        'feed.name': 'openphish',
        'classification.type': 'phishing',
        'source.url': 'http://1.34.0.1/paypal/',
      },
      { 'feed.name': 'x', 'source.ip': '2400:da00::6666' },
    ];
    chain.process(events);
    expect(events[0]).toMatchObject({
      'classification.type': 'infected-system',
      'classification.taxonomy': 'malicious-code',
      'source.geolocation.cc': 'CN',
      'source.geolocation.province': '广东省',
      'source.geolocation.city': '广州市',
      'source.geolocation.source': 'ip2region',
      'source.asn': 4134,
      'source.branch': 'CN-GD', // from geo: the organisation's own branch does not override it
      'source.org_id': 10,
      'source.abuse_contact': 'abuse@gz.example.cn',
      'destination.geolocation.cc': 'US',
      'destination.asn': 15169,
      'destination.as_name': 'Google LLC',
      'destination.org_id': 11, // by AS number
    });
    expect(events[0]!['destination.branch']).toBeUndefined();
    expect(events[1]).toMatchObject({
      'classification.type': 'unauthorised-information-modification',
      'classification.taxonomy': 'information-content-security',
      'source.fqdn': 'www.gov.example.cn',
      'source.org_id': 12,
      'source.branch': 'CN-HA', // no address, so no geo: the organisation's branch
    });
    expect(events[2]).toMatchObject({
      'classification.taxonomy': 'fraud',
      'source.ip': '1.34.0.1',
      'source.geolocation.cc': 'TW',
      'source.asn': 3462,
    });
    expect(events[2]!['source.branch']).toBeUndefined();
    expect(events[3]).toMatchObject({
      'classification.type': 'undetermined',
      'source.geolocation.cc': 'CN',
      'source.geolocation.province': '北京市',
      'source.branch': 'CN-BJ',
    });

    const stats = chain.stats();
    expect(Object.keys(stats)).toEqual(['url', 'taxonomy', 'geo', 'asn', 'branch', 'contact']);
    expect(stats.geo).toMatchObject({
      lookups: 4,
      hits: 4,
      'source:ip2region': 3,
      'source:geo-whois-asn-country': 1,
    });
    expect(stats.contact).toMatchObject({ 'match:network': 1, 'match:asn': 1, 'match:domain': 1 });
  });

  it('splits into the experts that make a dedup key (identify) and those that describe an address (enrich)', async () => {
    const chain = await createExpertChain({ branches: DEFAULT_BRANCHES, directory });
    const make = (): FeedEvent[] => [
      {
        'classification.type': 'botnet drone',
        'source.ip': '202.96.128.86',
        'destination.url': 'http://WWW.C2.Example/gate.php',
      },
      { 'classification.type': 'phishing', 'source.url': 'http://1.34.0.1/paypal/' },
    ];
    const whole = make();
    chain.process(whole);
    const staged = make();
    chain.identify(staged);
    // identify: the classification and the host of a URL (dedup fields), no geo, ASN or owner yet
    expect(staged[0]).toEqual({
      'classification.type': 'infected-system',
      'classification.taxonomy': 'malicious-code',
      'source.ip': '202.96.128.86',
      'destination.url': 'http://WWW.C2.Example/gate.php',
      'destination.fqdn': 'www.c2.example',
    });
    expect(staged[1]!['source.ip']).toBe('1.34.0.1');
    chain.enrich(staged);
    expect(staged).toEqual(whole);
    // what enrich sets is never part of a default dedup key, and a feed's own key may name it
    for (const f of ['source.asn', 'destination.geolocation.cc', 'source.branch', 'source.abuse_contact'])
      expect(chain.enriches(f)).toBe(true);
    for (const f of ['source.ip', 'source.fqdn', 'classification.type', 'malware.name'])
      expect(chain.enriches(f)).toBe(false);
    for (const type of ['infected-system', 'c2-server', 'phishing', 'scanner', 'whatever'])
      expect(dedupFieldsFor(type).filter((f) => chain.enriches(f))).toEqual([]);
  });

  it('runs only the experts asked for, without loading the offline data when none needs it', async () => {
    const chain = await createExpertChain(
      { branches: DEFAULT_BRANCHES, directory },
      { experts: ['url', 'taxonomy'] },
    );
    const e: FeedEvent = {
      'classification.type': 'c&c',
      'source.url': 'http://c2.example/gate.php',
      'source.ip': '8.8.8.8',
    };
    chain.process([e]);
    expect(e).toEqual({
      'classification.type': 'c2-server',
      'classification.taxonomy': 'malicious-code',
      'source.url': 'http://c2.example/gate.php',
      'source.fqdn': 'c2.example',
      'source.ip': '8.8.8.8',
    });
    expect(Object.keys(chain.stats())).toEqual(['url', 'taxonomy']);
  });

  it('loads the offline data once per process', async () => {
    const a = await loadOfflineData();
    const b = await loadOfflineData();
    expect(a).toBe(b);
    expect(Object.keys(a.loadMs).sort()).toEqual([
      'asnV4',
      'asnV6',
      'country',
      'countryV4',
      'ip2region',
      'ip2regionV6',
    ]);
  });
});
