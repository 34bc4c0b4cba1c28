import { MALWARE_KINDS, type MalwareKind } from '../malware/malware-family.ts';
import type { CountShare } from './incident-stats.ts';

/**
 * The §6 figures (trojans and botnets) from the event store. Definitions (docs/statistics.md):
 * - a controller is the address of a `c2-server` event's source, or of an `infected-system`
 *   event's destination (the C&C the infected host talked to); a controlled host is the source of
 *   an `infected-system` event; every figure counts distinct addresses (their 128-bit keys);
 * - mainland = geolocation country `CN` (Taiwan, Hong Kong and Macao have their own codes `TW`,
 *   `HK`, `MO` and are reported as regions); outside the mainland = every other country or an
 *   unknown one (`ZZ`), so total = mainland + outside;
 * - an event's kind is the kind of the catalogue family its `malware.name` (else
 *   `malware.family`) maps to, by name or alias, case-insensitively; `other` when none does;
 * - a botnet is one C&C address with the distinct infected sources that reported it as
 *   destination; its size is that number of bots.
 */

/** Kind key of the figures over every kind (distinct across kinds, not a sum). */
export const ALL_KINDS = 'all';

/** Bots per C&C server: the report's size buckets (report-json `figure11`). */
export const SIZE_BUCKETS = [
  { key: '1-10', min: 1, max: 10 },
  { key: '11-100', min: 11, max: 100 },
  { key: '101-1000', min: 101, max: 1000 },
  { key: '1001-5000', min: 1001, max: 5000 },
  { key: '5001-10000', min: 5001, max: 10000 },
  { key: '>10000', min: 10001, max: Number.POSITIVE_INFINITY },
] as const;
export type SizeBucket = (typeof SIZE_BUCKETS)[number]['key'];

export function sizeBucketOf(bots: number): SizeBucket | null {
  for (const b of SIZE_BUCKETS) if (bots >= b.min && bots <= b.max) return b.key;
  return null;
}

/** Country code for unknown locations (report-json convention). */
export const UNKNOWN_REGION = 'ZZ';
/** Branch key of mainland addresses whose province is unknown. */
export const UNKNOWN_BRANCH = 'unknown';

/** Rows as storage returns them; `kind` is a MalwareKind or ALL_KINDS. */
export interface BotnetCountsRaw {
  controllers: { kind: string; total: number; mainland: number }[];
  controlled: { kind: string; total: number; mainland: number }[];
  /** Distinct mainland controlled addresses per source branch (null: province unknown). */
  controlledByBranch: { kind: string; branch: string | null; count: number }[];
  /** Distinct controller addresses outside the mainland per country (null: unknown). */
  controllersByRegion: { kind: string; cc: string | null; count: number }[];
  /** Distinct controller addresses per port (the C&C port seen). */
  ccPorts: { kind: string; port: number; count: number }[];
  /** C&C servers per size bucket (bots = distinct infected sources per controller address). */
  sizes: { kind: string; bucket: string; count: number }[];
}

export interface BotnetFigures {
  controllerIps: { total: number; mainland: number; outsideMainland: number };
  controlledIps: { total: number; mainland: number };
  /** figure 7: mainland controlled addresses per branch (province); share of the mainland total. */
  controlledMainlandByBranch: { total: number; items: CountShare<string>[] };
  /** figures 8 and 9: controllers outside the mainland per country/region; share of their total. */
  controllersOutsideMainlandByRegion: { total: number; items: CountShare<string>[] };
  /** figure 10: distinct C&C servers per port; share of the sum over ports. */
  ccPorts: { items: { port: number; count: number; share: number }[] };
  /** figure 11: C&C servers per size bucket (every bucket listed); share of all sized botnets. */
  botnetSizes: { total: number; items: { bucket: SizeBucket; count: number; share: number }[] };
}

export interface BotnetPeriodFigures {
  period: { from: string; to: string };
  /** Over every kind (null when the figures were asked for one kind only). */
  all: BotnetFigures | null;
  byKind: Partial<Record<MalwareKind, BotnetFigures>>;
}

export interface BotnetStats extends BotnetPeriodFigures {
  period: { from: string; to: string; timeZone: string };
  kinds: MalwareKind[];
  /** The same period one year earlier, when the event store holds events in it. */
  previousYearSamePeriod: BotnetPeriodFigures | null;
  /** The whole previous calendar year, when the event store holds events in it. */
  previousYearFull: BotnetPeriodFigures | null;
}

function sortShares<T extends { count: number }>(rows: T[], key: (r: T) => string | number): T[] {
  return rows.sort((a, b) => {
    if (b.count !== a.count) return b.count - a.count;
    const ka = key(a);
    const kb = key(b);
    return typeof ka === 'number' && typeof kb === 'number' ? ka - kb : String(ka).localeCompare(String(kb));
  });
}

function shareOf(count: number, total: number): number {
  return total === 0 ? 0 : count / total;
}

function assembleFigures(raw: BotnetCountsRaw, kind: string): BotnetFigures {
  const ctl = raw.controllers.find((r) => r.kind === kind) ?? { total: 0, mainland: 0 };
  const bots = raw.controlled.find((r) => r.kind === kind) ?? { total: 0, mainland: 0 };

  const byBranch = new Map<string, number>();
  for (const r of raw.controlledByBranch) {
    if (r.kind !== kind || r.count === 0) continue;
    const k = r.branch && r.branch !== '' ? r.branch : UNKNOWN_BRANCH;
    byBranch.set(k, (byBranch.get(k) ?? 0) + r.count);
  }
  const byRegion = new Map<string, number>();
  for (const r of raw.controllersByRegion) {
    if (r.kind !== kind || r.count === 0) continue;
    const k = r.cc && r.cc.trim() !== '' ? r.cc.trim().toUpperCase() : UNKNOWN_REGION;
    byRegion.set(k, (byRegion.get(k) ?? 0) + r.count);
  }
  const outside = ctl.total - ctl.mainland;
  const ports = raw.ccPorts.filter((r) => r.kind === kind && r.count > 0);
  const portSum = ports.reduce((a, r) => a + r.count, 0);
  const sizes = new Map<string, number>();
  for (const r of raw.sizes) if (r.kind === kind) sizes.set(r.bucket, (sizes.get(r.bucket) ?? 0) + r.count);
  const botnets = [...sizes.values()].reduce((a, b) => a + b, 0);

  return {
    controllerIps: { total: ctl.total, mainland: ctl.mainland, outsideMainland: outside },
    controlledIps: { total: bots.total, mainland: bots.mainland },
    controlledMainlandByBranch: {
      total: bots.mainland,
      items: sortShares(
        [...byBranch].map(([key, count]) => ({ key, count, share: shareOf(count, bots.mainland) })),
        (r) => r.key,
      ),
    },
    controllersOutsideMainlandByRegion: {
      total: outside,
      items: sortShares(
        [...byRegion].map(([key, count]) => ({ key, count, share: shareOf(count, outside) })),
        (r) => r.key,
      ),
    },
    ccPorts: {
      items: sortShares(
        ports.map((r) => ({ port: r.port, count: r.count, share: shareOf(r.count, portSum) })),
        (r) => r.port,
      ),
    },
    botnetSizes: {
      total: botnets,
      items: SIZE_BUCKETS.map((b) => {
        const count = sizes.get(b.key) ?? 0;
        return { bucket: b.key, count, share: shareOf(count, botnets) };
      }),
    },
  };
}

/** Assembles one period's figures: over all kinds (unless one kind was asked for) and per kind. */
export function assembleBotnetPeriod(
  raw: BotnetCountsRaw,
  period: { from: string; to: string },
  kinds: readonly MalwareKind[] = MALWARE_KINDS,
): BotnetPeriodFigures {
  const byKind: Partial<Record<MalwareKind, BotnetFigures>> = {};
  for (const k of kinds) byKind[k] = assembleFigures(raw, k);
  return {
    period,
    all: kinds.length === MALWARE_KINDS.length ? assembleFigures(raw, ALL_KINDS) : null,
    byKind,
  };
}

/** The comparison periods of `from..to`: the same days one year earlier, and that whole year. */
export function previousYearPeriods(
  from: string,
  to: string,
): { samePeriod: { from: string; to: string }; fullYear: { from: string; to: string } } {
  const shift = (day: string) => {
    const y = Number(day.slice(0, 4)) - 1;
    let md = day.slice(5);
    // 29 February has no twin in a common year
    if (md === '02-29' && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) md = '02-28';
    return `${String(y).padStart(4, '0')}-${md}`;
  };
  const y = Number(from.slice(0, 4)) - 1;
  return {
    samePeriod: { from: shift(from), to: shift(to) },
    fullYear: { from: `${y}-01-01`, to: `${y}-12-31` },
  };
}
