import { DEFAULT_BRANCHES } from '../src/core/directory/defaults.ts';
import type { FeedEvent } from '../src/core/events/event.ts';
import {
  createAsnExpert,
  createExpertChain,
  createGeoExpert,
  loadOfflineData,
} from '../src/pipeline/experts/index.ts';
import type { DirectorySnapshot } from '../src/pipeline/experts/types.ts';
import { findRange } from '../src/pipeline/experts/geo-data.ts';
import { formatIpv4 } from '../src/pipeline/experts/ip.ts';
import { argValue, emit } from './figures.ts';

/**
 * `npm run bench -- geo [--count N] [--mainland 0.6]`: load time of the offline databases, geo and
 * ASN lookups/s on N addresses drawn at random from real routed ranges (a share from mainland
 * China, the rest foreign), and the whole expert chain's events/s on feed-like events (addresses
 * repeating, as they do in sinkhole feeds) with a directory of 5,000 networks.
 */
export async function run(args: string[]): Promise<void> {
  const count = Number(argValue(args, 'count', '1000000'));
  const mainlandShare = Number(argValue(args, 'mainland', '0.6'));
  let seed = Number(argValue(args, 'seed', '20070701')) >>> 0;
  const random = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 4294967296;
  };

  const t0 = performance.now();
  const data = await loadOfflineData();
  emit('geo', 'load_offline_data', performance.now() - t0, 'ms', data.loadMs);
  emit('geo', 'rss_after_load', process.memoryUsage().rss / 2 ** 20, 'MiB');

  // Real ranges: the ASN table's routed IPv4 ranges, split by whether ip2region places them in the mainland.
  const { starts, ends } = data.asn.v4;
  const ip2 = data.geo.v4;
  const mainland: number[] = [];
  const foreign: number[] = [];
  for (let i = 0; i < starts.length; i++) {
    const r = findRange(ip2.starts, ip2.ends, starts[i]!);
    const place = r === -1 ? null : ip2.places[ip2.placeOf[r]!]!;
    const isMainland = place?.country === '中国' && !/^(台湾|香港|澳门)/.test(place.province);
    (isMainland ? mainland : foreign).push(i);
  }
  const draw = (): string => {
    const pool = random() < mainlandShare ? mainland : foreign;
    const i = pool[Math.floor(random() * pool.length)]!;
    const span = ends[i]! - starts[i]! + 1;
    return formatIpv4(starts[i]! + Math.floor(random() * span));
  };
  const addresses = Array.from({ length: count }, draw);
  emit('geo', 'sample', count, 'addresses', {
    mainlandRanges: mainland.length,
    foreignRanges: foreign.length,
    mainlandShare,
  });

  // Wall-clock rates, plus the rate per second of this process's CPU time (on a shared machine the
  // wall clock also counts time other processes held the cores).
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const timeIt = (figure: string, fn: (ip: string) => unknown) => {
    for (let i = 0; i < Math.min(10_000, count); i++) fn(addresses[i]!); // warm up
    const t = performance.now();
    const c = cpuMs();
    let hits = 0;
    for (let i = 0; i < count; i++) if (fn(addresses[i]!) !== null) hits++;
    const s = (performance.now() - t) / 1000;
    emit('geo', figure, count / s, 'lookups/s', {
      perCpuSecond: Math.round(count / ((cpuMs() - c) / 1000)),
      hits,
      count,
    });
  };
  const tGeo = performance.now();
  const geo = createGeoExpert(data.geo);
  emit('geo', 'create_geo_expert_first', performance.now() - tGeo, 'ms', {
    note: 'merges the IPv4 tables once per process',
  });
  timeIt('geo_lookups_per_s', (ip) => geo.lookup(ip));
  const asn = createAsnExpert(data.asn.v4, data.asn.v6);
  timeIt('asn_lookups_per_s', (ip) => asn.lookup(ip));

  // The chain on feed-like events: bots drawn from a pool of count/10 addresses, C&Cs from 2,000.
  const bots = addresses.slice(0, Math.max(1, Math.floor(count / 10)));
  const c2s = addresses.slice(-2000);
  const directory: DirectorySnapshot = { networks: [], asns: [], domains: [], orgs: [] };
  for (let i = 0; i < 5000; i++) {
    const ip = bots[Math.floor(random() * bots.length)]!;
    directory.networks.push({ cidr: `${ip.slice(0, ip.lastIndexOf('.'))}.0/24`, orgId: (i % 500) + 1 });
  }
  for (let id = 1; id <= 500; id++)
    directory.orgs.push({ id, name: `org ${id}`, abuseEmail: `abuse@org${id}.example`, branchCode: null });
  const chain = await createExpertChain({ branches: DEFAULT_BRANCHES, directory });
  const batch = 1000;
  const makeBatch = (from: number): FeedEvent[] => {
    const out: FeedEvent[] = [];
    for (let i = from; i < from + batch; i++)
      out.push({
        'feed.name': 'shadowserver-event4-sinkhole',
        'classification.type': 'infected-system',
        'source.ip': bots[Math.floor(random() * bots.length)]!,
        'source.port': 1024 + (i % 60000),
        'destination.ip': c2s[i % c2s.length]!,
        'destination.port': 80,
        'malware.name': 'conficker',
        'time.source': '2007-03-01T10:11:12Z',
      });
    return out;
  };
  chain.process(makeBatch(0));
  let events = 0;
  let ms = 0;
  let cpu = 0;
  for (let from = 0; from < count; from += batch) {
    const b = makeBatch(from); // building events is the parser's cost: not timed
    const t = performance.now();
    const c = cpuMs();
    chain.process(b);
    ms += performance.now() - t;
    cpu += cpuMs() - c;
    events += b.length;
  }
  emit('geo', 'chain_events_per_s', events / (ms / 1000), 'events/s', {
    perCpuSecond: Math.round(events / (cpu / 1000)),
    events,
    batch,
    stats: chain.stats(),
  });
  emit('geo', 'rss_end', process.memoryUsage().rss / 2 ** 20, 'MiB');
}
