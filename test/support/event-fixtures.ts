import type { Kysely } from 'kysely';
import { ipToKey } from '../../src/core/incidents/observables.ts';
import type { DB } from '../../src/db/schema.ts';

/** A stored event as tests describe it (IntelMQ-ish short names); everything else gets a default. */
export interface EventFixture {
  type: string; // classification_type
  time: string; // time_source, ISO UTC
  feed?: string;
  src?: string;
  srcCc?: string | null;
  srcBranch?: string | null;
  srcProvince?: string | null;
  srcPort?: number | null;
  srcAsn?: number | null;
  dst?: string | null;
  dstCc?: string | null;
  dstBranch?: string | null;
  dstPort?: number | null;
  malware?: string | null;
  family?: string | null;
  url?: string | null;
  fqdn?: string | null;
  orgId?: number | null;
  fields?: Record<string, unknown>;
  dedupKey?: string;
}

let seq = 0;

/** Inserts events straight into the event store (as the pipeline would have stored them); returns their ids. */
export async function insertEvents(db: Kysely<DB>, events: EventFixture[]): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < events.length; i += 200) {
    const rows = events.slice(i, i + 200).map((e) => {
      seq += 1;
      return {
        raw_report_id: 1,
        line: seq,
        feed: e.feed ?? 'test-feed',
        classification_taxonomy: 'malicious-code',
        classification_type: e.type,
        classification_identifier: null,
        time_source: e.time,
        first_seen: e.time,
        last_seen: e.time,
        count: 1,
        dedup_key: e.dedupKey ?? `fixture-${process.pid}-${seq}-${Math.random()}`,
        source_ip: e.src ?? null,
        source_ip_key: e.src ? ipToKey(e.src) : null,
        source_port: e.srcPort ?? null,
        source_asn: e.srcAsn ?? null,
        source_as_name: null,
        source_cc: e.srcCc ?? null,
        source_province: e.srcProvince ?? null,
        source_city: null,
        source_branch: e.srcBranch ?? null,
        source_fqdn: e.fqdn ?? null,
        source_url: e.url ?? null,
        source_org_id: e.orgId ?? null,
        destination_ip: e.dst ?? null,
        destination_ip_key: e.dst ? ipToKey(e.dst) : null,
        destination_port: e.dstPort ?? null,
        destination_asn: null,
        destination_cc: e.dstCc ?? null,
        destination_province: null,
        destination_branch: e.dstBranch ?? null,
        destination_fqdn: null,
        destination_url: null,
        destination_org_id: null,
        malware_name: e.malware ?? null,
        malware_family: e.family ?? null,
        protocol_transport: null,
        protocol_application: null,
        fields: JSON.stringify(e.fields ?? {}),
        extra: '{}',
        created_at: e.time,
      };
    });
    const inserted = await db.insertInto('events').values(rows).returning('id').execute();
    ids.push(...inserted.map((r) => Number(r.id)));
  }
  return ids;
}
