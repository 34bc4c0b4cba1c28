import { randomBytes } from 'node:crypto';
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Scope } from '../../core/auth/actor.ts';
import { ALL_KINDS, SIZE_BUCKETS, type BotnetCountsRaw } from '../../core/stats/botnet-stats.ts';
import type { BotnetStatsPort, UtcRange } from '../../services/ports.ts';
import { dialectOf } from '../database.ts';
import type { DB } from '../schema.ts';

/** Events a scope counts: a branch sees events whose source or destination is in it. */
function eventScope(scope: Scope): RawBuilder<unknown> {
  if (scope.unrestricted || scope.branchCode === null) return sql`1 = 1`;
  return sql`(e.source_branch = ${scope.branchCode} or e.destination_branch = ${scope.branchCode})`;
}

/** The kind of an event: its malware name's family, else its malware family's, else `other`. */
const KIND_EXPR = sql`coalesce(k1.kind, k2.kind, 'other')`;

/** Bucket label of a bot count `n` (SQL), from core's SIZE_BUCKETS. */
function bucketCase(n: RawBuilder<unknown>): RawBuilder<string> {
  const bounded = SIZE_BUCKETS.filter((b) => Number.isFinite(b.max));
  const whens = bounded.map((b) => sql`when ${n} <= ${sql.lit(b.max)} then ${sql.lit(b.key)}`);
  return sql<string>`case ${sql.join(whens, sql` `)} else ${sql.lit(SIZE_BUCKETS[SIZE_BUCKETS.length - 1]!.key)} end`;
}

/**
 * The §6 counts, all in SQL. The period's c2-server and infected-system events (index on
 * time_source, classification_type), each with its kind (a lookup in the small
 * malware_name_keys table), are reduced in three passes to temporary tables of distinct
 * addresses — controllers (kind, address, country, port), bots (kind, address, mainland?,
 * branch) and botnet memberships (kind, C&C, bot) — and every figure, per kind and over all
 * kinds, is a GROUP BY over those. Nothing proportional to the number of events leaves the
 * database, and the expensive distinct-counting runs a fixed number of times, not once per figure.
 */
export function createBotnetStatsRepository(db: Kysely<DB>): BotnetStatsPort {
  /** The period's events as (k, ct, s_key, s_cc, s_branch, s_port, d_key, d_cc, d_port). */
  function eventsCte(scope: Scope, range: UtcRange, kind: string | undefined) {
    const kindFilter = kind !== undefined ? sql`and ${KIND_EXPR} = ${kind}` : sql``;
    return sql`ev as (
      select ${KIND_EXPR} as k, e.classification_type as ct,
        e.source_ip_key as s_key, e.source_cc as s_cc, e.source_branch as s_branch, e.source_port as s_port,
        e.destination_ip_key as d_key, e.destination_cc as d_cc, e.destination_port as d_port
      from events e
        left join malware_name_keys k1 on k1.name_key = lower(e.malware_name)
        left join malware_name_keys k2 on k2.name_key = lower(e.malware_family)
      where e.time_source >= ${range.start} and e.time_source < ${range.end}
        and e.classification_type in ('c2-server', 'infected-system')
        and ${eventScope(scope)} ${kindFilter}
    )`;
  }

  async function count(tx: Transaction<DB>, scope: Scope, range: UtcRange, kind: string | undefined) {
    const out: BotnetCountsRaw = {
      controllers: [],
      controlled: [],
      controlledByBranch: [],
      controllersByRegion: [],
      ccPorts: [],
      sizes: [],
    };
    const pg = dialectOf(tx) === 'postgres';
    const suffix = randomBytes(4).toString('hex');
    const t = (name: string) => sql.raw(`bn_${name}_${suffix}`);
    const temp = (name: string, select: RawBuilder<unknown>) =>
      pg
        ? sql`create temp table ${t(name)} on commit drop as ${select}`.execute(tx)
        : sql`create temp table ${t(name)} as ${select}`.execute(tx);
    const ev = eventsCte(scope, range, kind);
    const tables = ['ctl', 'bots', 'nets', 'bots_all'];
    try {
      await temp(
        'ctl',
        sql`with ${ev} select k, ip_key, cc, port from (
          select k, s_key as ip_key, s_cc as cc, s_port as port from ev where ct = 'c2-server' and s_key is not null
          union all
          select k, d_key, d_cc, d_port from ev where ct = 'infected-system' and d_key is not null
        ) c group by k, ip_key, cc, port`,
      );
      await temp(
        'bots',
        sql`with ${ev} select k, s_key,
          max(case when s_cc = 'CN' then 1 else 0 end) as cn,
          max(case when s_cc = 'CN' then s_branch end) as branch
        from ev where ct = 'infected-system' and s_key is not null group by k, s_key`,
      );
      await temp(
        'nets',
        sql`with ${ev} select k, d_key, s_key from ev
        where ct = 'infected-system' and d_key is not null and s_key is not null group by k, d_key, s_key`,
      );

      // per kind, and (unless one kind was asked for) over all kinds: the same query without k
      const modes = kind === undefined ? [false, true] : [false];
      if (kind === undefined)
        await temp(
          'bots_all',
          sql`select s_key, max(cn) as cn, max(branch) as branch from ${t('bots')} group by s_key`,
        );
      for (const all of modes) {
        const k = all ? sql.lit(ALL_KINDS) : sql`k`;
        const by = (...cols: string[]) =>
          sql.raw(
            [...(all ? [] : ['k']), ...cols].length
              ? `group by ${[...(all ? [] : ['k']), ...cols].join(', ')}`
              : '',
          );
        const bots = all ? t('bots_all') : t('bots');

        const controllers = await sql<{ k: string; total: number; mainland: number }>`
          select ${k} as k, count(distinct ip_key) as total,
            count(distinct case when cc = 'CN' then ip_key end) as mainland
          from ${t('ctl')} ${by()}`.execute(tx);
        for (const r of controllers.rows)
          if (Number(r.total) > 0)
            out.controllers.push({ kind: r.k, total: Number(r.total), mainland: Number(r.mainland) });

        const controlled = await sql<{ k: string; total: number; mainland: number }>`
          select ${k} as k, count(*) as total, sum(cn) as mainland from ${bots} ${by()}`.execute(tx);
        for (const r of controlled.rows)
          if (Number(r.total) > 0)
            out.controlled.push({ kind: r.k, total: Number(r.total), mainland: Number(r.mainland ?? 0) });

        const byBranch = await sql<{ k: string; branch: string | null; n: number }>`
          select ${k} as k, branch, count(*) as n from ${bots} where cn = 1 ${by('branch')}`.execute(tx);
        for (const r of byBranch.rows)
          out.controlledByBranch.push({ kind: r.k, branch: r.branch, count: Number(r.n) });

        const byRegion = await sql<{ k: string; cc: string | null; n: number }>`
          select ${k} as k, cc, count(distinct ip_key) as n from ${t('ctl')}
          where cc is null or cc <> 'CN' ${by('cc')}`.execute(tx);
        for (const r of byRegion.rows)
          out.controllersByRegion.push({ kind: r.k, cc: r.cc, count: Number(r.n) });

        const ports = await sql<{ k: string; port: number; n: number }>`
          select ${k} as k, port, count(distinct ip_key) as n from ${t('ctl')}
          where port is not null ${by('port')}`.execute(tx);
        for (const r of ports.rows) out.ccPorts.push({ kind: r.k, port: Number(r.port), count: Number(r.n) });

        const sizes = await sql<{ k: string; bucket: string; n: number }>`
          with botnets as (
            select ${k} as k, d_key, count(${all ? sql`distinct s_key` : sql`*`}) as bots
            from ${t('nets')} ${by('d_key')}
          ), sized as (select k, ${bucketCase(sql`bots`)} as bucket from botnets)
          select k, bucket, count(*) as n from sized group by k, bucket`.execute(tx);
        for (const r of sizes.rows) out.sizes.push({ kind: r.k, bucket: r.bucket, count: Number(r.n) });
      }
    } finally {
      if (!pg) for (const name of tables) await sql`drop table if exists temp.${t(name)}`.execute(tx);
    }
    return out;
  }

  return {
    async countBotnets(scope, range, options = {}) {
      return db.transaction().execute((tx) => count(tx, scope, range, options.kind));
    },

    async hasEvents(scope, range) {
      const r = await sql<{ one: number }>`
        select 1 as one from events e
        where e.time_source >= ${range.start} and e.time_source < ${range.end}
          and e.classification_type in ('c2-server', 'infected-system') and ${eventScope(scope)}
        limit 1`.execute(db);
      return r.rows.length > 0;
    },
  };
}
