import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor, type Actor } from '../core/auth/actor.ts';
import { fixedClock } from '../core/shared/clock.ts';
import { MALWARE_KINDS, type MalwareKind } from '../core/malware/malware-family.ts';
import { SIZE_BUCKETS, type BotnetFigures } from '../core/stats/botnet-stats.ts';
import { createBotnetStatsRepository } from '../db/repositories/botnet-stats.repository.ts';
import { createMalwareFamiliesRepository } from '../db/repositories/malware-families.repository.ts';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../../test/support/db.ts';
import { insertEvents, type EventFixture } from '../../test/support/event-fixtures.ts';
import { createBotnetStatsService, type BotnetStatsService } from './botnet-stats.service.ts';
import { createMalwareFamilyService } from './malware-family.service.ts';
import { DomainError } from '../core/shared/errors.ts';

/** Deterministic PRNG (mulberry32) so the fixture is the same on every run and dialect. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Malware strings as feeds write them, and the kind each must count under (by the seeded catalogue). */
const MALWARE: [string | null, string | null, MalwareKind][] = [
  ['huigezi', null, 'trojan'],
  ['灰鸽子', null, 'trojan'], // alias
  ['HUPIGON', null, 'trojan'], // alias, other case
  ['sdbot', null, 'bot'],
  ['victorygate.b', 'victorygate', 'bot'],
  ['backdoor.win32.sdbot.xd', 'sdbot', 'bot'], // only the normalised family matches
  ['virut', null, 'virus'],
  ['allapple', null, 'worm'],
  ['somethingnew', 'somethingnew', 'other'],
  [null, null, 'other'],
];

const CCS = ['CN', 'CN', 'CN', 'TW', 'US', 'HK', 'KR', 'MO', null];
const BRANCHES = ['CN-SH', 'CN-BJ', 'CN-JS', 'CN-GD', null];
const PORTS = [6667, 1863, 8080, 80, null];

interface Host {
  ip: string;
  cc: string | null;
  branch: string | null;
}

/** Period 2007-01-01..2007-06-30 in Asia/Shanghai = [2006-12-31T16:00Z, 2007-06-30T16:00Z). */
function buildFixture(): EventFixture[] {
  const r = rng(2007);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const host = (prefix: string, i: number): Host => {
    const cc = pick(CCS);
    return {
      ip: `${prefix}.${Math.floor(i / 250)}.${i % 250}`,
      cc,
      branch: cc === 'CN' ? pick(BRANCHES) : null,
    };
  };
  const controllers = Array.from({ length: 40 }, (_, i) => host('10.1', i));
  const bots = Array.from({ length: 400 }, (_, i) => host('10.2', i));
  const v6bots = Array.from({ length: 5 }, (_, i) => ({
    ip: `2001:db8::${i + 1}`,
    cc: 'CN',
    branch: 'CN-SH',
  }));
  const times = [
    '2006-12-31T16:00:00.000Z', // first instant of 2007-01-01 in Shanghai: inside
    '2007-03-15T08:00:00.000Z',
    '2007-06-30T15:59:59.000Z', // last second of 2007-06-30 in Shanghai: inside
    '2006-12-31T15:59:59.000Z', // still 2006 in Shanghai: outside
    '2007-06-30T16:00:00.000Z', // 2007-07-01 in Shanghai: outside
    '2006-03-01T00:00:00.000Z', // previous year, same half
    '2006-10-01T00:00:00.000Z', // previous year, second half
  ];
  const out: EventFixture[] = [];
  for (let i = 0; i < 1500; i++) {
    const [malware, family] = pick(MALWARE);
    const time = pick(times);
    const roll = r();
    if (roll < 0.2) {
      const c = pick(controllers);
      out.push({
        type: 'c2-server',
        time,
        src: c.ip,
        srcCc: c.cc,
        srcBranch: c.branch,
        srcPort: pick(PORTS),
        malware,
        family,
      });
    } else if (roll < 0.95) {
      const b = r() < 0.02 ? pick(v6bots) : pick(bots);
      const c = r() < 0.1 ? null : pick(controllers);
      out.push({
        type: 'infected-system',
        time,
        src: b.ip,
        srcCc: b.cc,
        srcBranch: b.branch,
        dst: c?.ip ?? null,
        dstCc: c?.cc ?? null,
        dstPort: c ? pick(PORTS) : null,
        malware,
        family,
      });
    } else {
      const b = pick(bots);
      out.push({ type: 'scanner', time, src: b.ip, srcCc: b.cc, srcBranch: b.branch, malware });
    }
  }
  // one large botnet (101-1000 bots) on a single C&C in Taiwan
  for (let i = 0; i < 150; i++)
    out.push({
      type: 'infected-system',
      time: '2007-02-01T00:00:00.000Z',
      src: `10.3.${Math.floor(i / 200)}.${i % 200}`,
      srcCc: 'CN',
      srcBranch: 'CN-SH',
      dst: '192.0.2.200',
      dstCc: 'TW',
      dstPort: 6667,
      malware: 'sdbot',
    });
  return out;
}

function kindOf(e: EventFixture): MalwareKind {
  return (
    MALWARE.find(
      ([m, f]) => m === (e.malware ?? null) && (f === (e.family ?? null) || e.type === 'scanner'),
    )?.[2] ?? 'other'
  );
}

/** The figures computed the obvious way, in memory, from the fixture. */
function expectedFigures(
  events: EventFixture[],
  start: string,
  end: string,
  kind: MalwareKind | 'all',
  branch?: string,
) {
  const inScope = events.filter(
    (e) =>
      e.time >= start &&
      e.time < end &&
      (e.type === 'c2-server' || e.type === 'infected-system') &&
      (kind === 'all' || kindOf(e) === kind) &&
      (branch === undefined || e.srcBranch === branch || e.dstBranch === branch),
  );
  const ctl: { ip: string; cc: string | null; port: number | null }[] = [];
  for (const e of inScope) {
    if (e.type === 'c2-server' && e.src)
      ctl.push({ ip: e.src, cc: e.srcCc ?? null, port: e.srcPort ?? null });
    if (e.type === 'infected-system' && e.dst)
      ctl.push({ ip: e.dst, cc: e.dstCc ?? null, port: e.dstPort ?? null });
  }
  const infected = inScope.filter((e) => e.type === 'infected-system' && e.src);
  const distinct = <T>(xs: T[]) => new Set(xs).size;
  const ctlTotal = distinct(ctl.map((c) => c.ip));
  const ctlMainland = distinct(ctl.filter((c) => c.cc === 'CN').map((c) => c.ip));
  const botsMainland = distinct(infected.filter((e) => e.srcCc === 'CN').map((e) => e.src));
  const group = (pairs: [string, string][]) => {
    const m = new Map<string, Set<string>>();
    for (const [k, ip] of pairs) m.set(k, (m.get(k) ?? new Set()).add(ip));
    return new Map([...m].map(([k, s]) => [k, s.size]));
  };
  const byBranch = group(
    infected.filter((e) => e.srcCc === 'CN').map((e) => [e.srcBranch ?? 'unknown', e.src!]),
  );
  const byRegion = group(ctl.filter((c) => c.cc !== 'CN').map((c) => [c.cc ?? 'ZZ', c.ip]));
  const byPort = group(ctl.filter((c) => c.port !== null).map((c) => [String(c.port), c.ip]));
  const botnets = group(infected.filter((e) => e.dst).map((e) => [e.dst!, e.src!]));
  const buckets = new Map<string, number>();
  for (const n of botnets.values()) {
    const b = SIZE_BUCKETS.find((x) => n >= x.min && n <= x.max)!.key;
    buckets.set(b, (buckets.get(b) ?? 0) + 1);
  }
  return {
    controllerIps: { total: ctlTotal, mainland: ctlMainland, outsideMainland: ctlTotal - ctlMainland },
    controlledIps: { total: distinct(infected.map((e) => e.src)), mainland: botsMainland },
    byBranch: Object.fromEntries(byBranch),
    byRegion: Object.fromEntries(byRegion),
    byPort: Object.fromEntries(byPort),
    buckets: Object.fromEntries(SIZE_BUCKETS.map((b) => [b.key, buckets.get(b.key) ?? 0])),
    botnets: botnets.size,
  };
}

function actual(f: BotnetFigures) {
  return {
    controllerIps: f.controllerIps,
    controlledIps: f.controlledIps,
    byBranch: Object.fromEntries(f.controlledMainlandByBranch.items.map((i) => [i.key, i.count])),
    byRegion: Object.fromEntries(f.controllersOutsideMainlandByRegion.items.map((i) => [i.key, i.count])),
    byPort: Object.fromEntries(f.ccPorts.items.map((i) => [String(i.port), i.count])),
    buckets: Object.fromEntries(f.botnetSizes.items.map((i) => [i.bucket, i.count])),
    botnets: f.botnetSizes.total,
  };
}

const START = '2006-12-31T16:00:00.000Z';
const END = '2007-06-30T16:00:00.000Z';

describe.each(DIALECTS)('botnet statistics on %s', (dialect) => {
  let t: TestDatabase;
  let service: BotnetStatsService;
  const events = buildFixture();
  const system = systemActor('test');

  beforeAll(async () => {
    t = await createTestDatabase(dialect);
    const families = createMalwareFamilyService({
      families: createMalwareFamiliesRepository(t.db),
      clock: fixedClock('2007-06-30T00:00:00.000Z'),
    });
    await families.seedDefaults();
    await insertEvents(t.db, events);
    service = createBotnetStatsService({
      botnets: createBotnetStatsRepository(t.db),
      timeZone: 'Asia/Shanghai',
    });
  });
  afterAll(async () => {
    await t.destroy();
  });

  it('counts every figure per kind and over all kinds exactly as computed independently', async () => {
    const s = await service.botnetStats(system, { from: '2007-01-01', to: '2007-06-30' });
    expect(s.period).toEqual({ from: '2007-01-01', to: '2007-06-30', timeZone: 'Asia/Shanghai' });
    expect(actual(s.all!)).toEqual(expectedFigures(events, START, END, 'all'));
    for (const k of MALWARE_KINDS)
      expect(actual(s.byKind[k]!), k).toEqual(expectedFigures(events, START, END, k));
    // the fixture exercises what it should
    expect(s.all!.controllerIps.outsideMainland).toBeGreaterThan(0);
    expect(s.byKind.trojan!.controlledIps.mainland).toBeGreaterThan(0);
    expect(s.all!.botnetSizes.items.find((b) => b.bucket === '101-1000')!.count).toBe(1);
    // distinct across kinds: the all-kinds total is not the sum of the kinds
    const sum = MALWARE_KINDS.reduce((a, k) => a + s.byKind[k]!.controlledIps.total, 0);
    expect(sum).toBeGreaterThan(s.all!.controlledIps.total);
  });

  it('gives shares of the right totals and sorts largest first', async () => {
    const s = await service.botnetStats(system, { from: '2007-01-01', to: '2007-06-30' });
    const f = s.byKind.bot!;
    for (const i of f.controlledMainlandByBranch.items)
      expect(i.share).toBeCloseTo(i.count / f.controlledIps.mainland, 12);
    for (const i of f.controllersOutsideMainlandByRegion.items)
      expect(i.share).toBeCloseTo(i.count / f.controllerIps.outsideMainland, 12);
    const portSum = f.ccPorts.items.reduce((a, i) => a + i.count, 0);
    expect(f.ccPorts.items.reduce((a, i) => a + i.share, 0)).toBeCloseTo(1, 12);
    expect(f.ccPorts.items[0]!.count).toBe(Math.max(...f.ccPorts.items.map((i) => i.count)));
    expect(portSum).toBeGreaterThan(0);
    expect(f.botnetSizes.items.map((b) => b.bucket)).toEqual(SIZE_BUCKETS.map((b) => b.key));
    const counts = f.controlledMainlandByBranch.items.map((i) => i.count);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
  });

  it('adds the previous year when there is data, and only then', async () => {
    const s = await service.botnetStats(system, { from: '2007-01-01', to: '2007-06-30' });
    expect(s.previousYearSamePeriod!.period).toEqual({ from: '2006-01-01', to: '2006-06-30' });
    expect(actual(s.previousYearSamePeriod!.all!)).toEqual(
      expectedFigures(events, '2005-12-31T16:00:00.000Z', '2006-06-30T16:00:00.000Z', 'all'),
    );
    expect(actual(s.previousYearFull!.all!)).toEqual(
      expectedFigures(events, '2005-12-31T16:00:00.000Z', '2006-12-31T16:00:00.000Z', 'all'),
    );
    const later = await service.botnetStats(system, { from: '2008-01-01', to: '2008-06-30' });
    expect(later.all!.controlledIps.total).toBe(0);
    expect(later.previousYearSamePeriod).not.toBeNull(); // 2007 H1 has data
    const earlier = await service.botnetStats(system, { from: '2006-01-01', to: '2006-06-30' });
    expect(earlier.previousYearSamePeriod).toBeNull();
    expect(earlier.previousYearFull).toBeNull();
  });

  it('restricts to one kind when asked, and to a branch handler’s branch', async () => {
    const s = await service.botnetStats(system, { from: '2007-01-01', to: '2007-06-30', kind: 'trojan' });
    expect(s.kinds).toEqual(['trojan']);
    expect(s.all).toBeNull();
    expect(Object.keys(s.byKind)).toEqual(['trojan']);
    expect(actual(s.byKind.trojan!)).toEqual(expectedFigures(events, START, END, 'trojan'));

    const handler: Actor = {
      kind: 'user',
      userId: 99,
      label: 'sh',
      role: 'branch_handler',
      branchCode: 'CN-SH',
      ip: '',
    };
    const mine = await service.botnetStats(handler, { from: '2007-01-01', to: '2007-06-30' });
    expect(actual(mine.all!)).toEqual(expectedFigures(events, START, END, 'all', 'CN-SH'));
    expect(mine.all!.controlledMainlandByBranch.items.map((i) => i.key)).toEqual(['CN-SH']);
  });

  it('refuses bad input with the field named, and roles without stats.read', async () => {
    await expect(
      service.botnetStats(system, { from: '2007-01-01', to: '2007-06-30', kind: 'rootkit' }),
    ).rejects.toMatchObject({
      id: 'invalid_input',
      fields: [{ field: 'kind' }],
    });
    await expect(
      service.botnetStats(system, { from: '2007-02-30', to: '2007-06-30' }),
    ).rejects.toBeInstanceOf(DomainError);
    const reporter: Actor = {
      kind: 'user',
      userId: 5,
      label: 'r',
      role: 'reporter',
      branchCode: null,
      ip: '',
    };
    await expect(
      service.botnetStats(reporter, { from: '2007-01-01', to: '2007-06-30' }),
    ).rejects.toMatchObject({
      id: 'forbidden',
    });
  });
});
