import { createBranchMatcher } from '../../core/directory/branch-matcher.ts';
import type { FeedEvent } from '../../core/events/event.ts';
import { loadAsnV4, loadAsnV6, type AsnTableV4, type AsnTableV6 } from './asn-data.ts';
import { createAsnExpert } from './asn.expert.ts';
import { createBranchExpert } from './branch.expert.ts';
import { createContactExpert } from './contact.expert.ts';
import { createGeoExpert, type GeoDatabases } from './geo.expert.ts';
import { loadCountryReader, loadCountryTableV4, loadIp2RegionV4, loadIp2RegionV6 } from './geo-data.ts';
import { createTaxonomyExpert } from './taxonomy.expert.ts';
import {
  EXPERT_IDS,
  IDENTIFYING_EXPERTS,
  type EnrichmentData,
  type Expert,
  type ExpertChain,
  type ExpertChainOptions,
  type ExpertId,
} from './types.ts';
import { SIDES } from './sides.ts';
import { createUrlExpert } from './url.expert.ts';

export type * from './types.ts';
export { EXPERT_IDS } from './types.ts';
export { createAsnExpert } from './asn.expert.ts';
export { createBranchExpert } from './branch.expert.ts';
export { createContactExpert } from './contact.expert.ts';
export { createGeoExpert } from './geo.expert.ts';
export { createTaxonomyExpert } from './taxonomy.expert.ts';
export { createUrlExpert, hostOfUrl, normaliseFqdn } from './url.expert.ts';

/** The offline databases, loaded once per process (about 0.5–2 s, ~100 MB) and shared by every chain. */
export interface OfflineData {
  geo: GeoDatabases;
  /**
   * `v6` is loaded on first use (the first public IPv6 address an expert looks up): most feeds
   * carry IPv4 only, and the IPv6 table costs ~140 ms and ~15–40 MB at start.
   */
  asn: { v4: AsnTableV4; v6: () => AsnTableV6 };
  /** Milliseconds each part took to load. */
  loadMs: Record<string, number>;
}

let offline: Promise<OfflineData> | null = null;

/** Every field the `enrich` stage (geo, asn, branch, contact) may set, on either side. */
const ENRICHED_FIELDS: ReadonlySet<string> = new Set(
  SIDES.flatMap((s) => [
    s.cc,
    s.region,
    s.province,
    s.city,
    s.geoSource,
    s.asn,
    s.asName,
    s.branch,
    s.orgId,
    s.abuseContact,
  ]),
);

function timed<T>(loadMs: Record<string, number>, name: string, load: () => T): T {
  const t = performance.now();
  const v = load();
  loadMs[name] = Math.round(performance.now() - t);
  return v;
}

/** Loads (first call) or returns the process's offline geo and ASN data. */
export function loadOfflineData(): Promise<OfflineData> {
  offline ??= Promise.resolve().then(() => {
    const loadMs: Record<string, number> = {};
    const geo: GeoDatabases = {
      v4: timed(loadMs, 'ip2region', () => loadIp2RegionV4()),
      v6: timed(loadMs, 'ip2regionV6', () => loadIp2RegionV6()),
      countryV4: timed(loadMs, 'countryV4', () => loadCountryTableV4()),
      country: timed(loadMs, 'country', () => loadCountryReader()),
    };
    let asnV6: AsnTableV6 | null = null;
    const asn = {
      v4: timed(loadMs, 'asnV4', () => loadAsnV4()),
      v6: () => (asnV6 ??= timed(loadMs, 'asnV6', () => loadAsnV6())),
    };
    return { geo, asn, loadMs };
  });
  offline.catch(() => {
    offline = null;
  });
  return offline;
}

/**
 * The pipeline's enrichment, in this order: url → fqdn/ip, taxonomy, geo (country; mainland
 * province and city), ASN, branch (from the province), contact (directory organisation, abuse
 * e-mail; branch from the organisation when geo gave none). Experts enrich events in place.
 */
export async function createExpertChain(
  data: EnrichmentData,
  options: ExpertChainOptions = {},
): Promise<ExpertChain> {
  const wanted = new Set<ExpertId>(options.experts ?? EXPERT_IDS);
  const needsOffline = wanted.has('geo') || wanted.has('asn');
  const off = needsOffline ? await loadOfflineData() : null;
  const matcher = createBranchMatcher(data.branches);
  const byName = new Map(data.branches.map((b) => [b.code, b.nameZh] as const));
  const canonicalProvince = (name: string): string | null => {
    const code = matcher.match(name);
    return code === null ? null : (byName.get(code) ?? null);
  };

  const build: Record<ExpertId, () => Expert> = {
    url: () => createUrlExpert(),
    taxonomy: () => createTaxonomyExpert(),
    geo: () => createGeoExpert(off!.geo, { canonicalProvince, cacheSize: options.geoCacheSize }),
    asn: () => createAsnExpert(off!.asn.v4, off!.asn.v6),
    branch: () => createBranchExpert(matcher),
    contact: () => createContactExpert(data.directory),
  };
  const ids = EXPERT_IDS.filter((id) => wanted.has(id));
  const experts = ids.map((id) => build[id]());
  const identifying = experts.filter((_, i) => IDENTIFYING_EXPERTS.has(ids[i]!));
  const enriching = experts.filter((_, i) => !IDENTIFYING_EXPERTS.has(ids[i]!));

  return {
    process(events: FeedEvent[]) {
      for (const x of experts) x.process(events);
    },
    identify(events: FeedEvent[]) {
      for (const x of identifying) x.process(events);
    },
    enrich(events: FeedEvent[]) {
      if (events.length === 0) return;
      for (const x of enriching) x.process(events);
    },
    enriches: (field: string) => ENRICHED_FIELDS.has(field),
    stats() {
      const out: Record<string, Record<string, number>> = {};
      for (const x of experts) out[x.id] = x.stats();
      return out;
    },
  };
}
