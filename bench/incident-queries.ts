import { sql } from 'kysely';
import { resolveDatabase, loadConfig } from '../src/config/config.ts';
import type { Actor } from '../src/core/auth/actor.ts';
import type { Role } from '../src/core/auth/roles.ts';
import type { IncidentQueryInput } from '../src/core/incidents/search-query.ts';
import { OPEN_STATES } from '../src/core/incidents/states.ts';
import { fixedClock } from '../src/core/shared/clock.ts';
import { openDatabase } from '../src/db/database.ts';
import { createAuditRepository } from '../src/db/repositories/audit.repository.ts';
import { createIncidentsRepository } from '../src/db/repositories/incidents.repository.ts';
import { createIncidentService } from '../src/services/incident.service.ts';
import { emit, percentile } from './figures.ts';

const WARMUP = 3;
const RUNS = 40;

/**
 * Query timings over a loaded database, through the incident service (scope, validation, SQL):
 * the queue page (a branch's open incidents, newest first, 50 per page) first and 20 pages deep
 * by keyset, the national queue, a filtered search, a CIDR observable search, an exact IP search
 * and a text search. One JSON line per figure: p95 in ms, with p50.
 */
export async function runQueryBench(database: string): Promise<void> {
  const config = loadConfig({ env: {}, overrides: { databaseUrl: database, logLevel: 'silent' } });
  const db = openDatabase(resolveDatabase(config));
  const dialect = db.dialect === 'postgres' ? 'postgresql' : 'sqlite';
  try {
    // Fresh statistics after the bulk load, as autovacuum would gather them.
    if (db.dialect === 'postgres') await sql`analyze`.execute(db.db);
    const service = createIncidentService({
      incidents: createIncidentsRepository(db.db),
      audit: createAuditRepository(db.db),
      clock: fixedClock('2007-07-01T00:00:00.000Z'),
      config: { slaHours: config.slaHours },
    });
    const user = async (role: Role, branchCode: string | null): Promise<Actor> => {
      const username = `bench-${role}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
      const row = await db.db
        .insertInto('users')
        .values({
          username,
          display_name: username,
          email: '',
          password_hash: '',
          role,
          branch_code: branchCode,
          language: 'zh-CN',
          disabled: 0,
          must_change_password: 0,
          created_at: new Date().toISOString(),
          last_login_at: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return { kind: 'user', userId: Number(row.id), label: username, role, branchCode, ip: '' };
    };
    const national = await user('national_handler', null);
    const branch = await user('branch_handler', 'CN-BJ');

    // A CIDR block and an address that occur in the data.
    const sample = await db.db
      .selectFrom('observables')
      .select('value')
      .where('kind', '=', 'ipv4')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    const ip = sample?.value ?? '60.1.2.3';
    const cidr = `${ip.split('.').slice(0, 2).join('.')}.0.0/16`;

    const measure = async (figure: string, q: () => Promise<{ items: unknown[]; total: number }>) => {
      const times: number[] = [];
      let last = { items: [] as unknown[], total: 0 };
      for (let i = 0; i < WARMUP + RUNS; i++) {
        const t0 = performance.now();
        last = await q();
        if (i >= WARMUP) times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      emit('incidents', figure, percentile(times, 95), 'ms', {
        p50: Math.round(percentile(times, 50) * 100) / 100,
        runs: RUNS,
        rows: last.items.length,
        total: last.total,
        database: dialect,
      });
    };
    const search = (actor: Actor, q: IncidentQueryInput) => () => service.searchIncidents(actor, q);

    const queue: IncidentQueryInput = { states: [...OPEN_STATES], limit: 50 };
    await measure('queue_page_p95', search(branch, queue));
    let cursor: string | null = null;
    for (let page = 0; page < 19; page++) {
      const p: Awaited<ReturnType<typeof service.searchIncidents>> = await service.searchIncidents(branch, {
        ...queue,
        ...(cursor ? { cursor } : {}),
      });
      cursor = p.nextCursor;
      if (!cursor) break;
    }
    if (cursor) await measure('queue_page_20_p95', search(branch, { ...queue, cursor }));
    await measure('queue_national_p95', search(national, queue));
    await measure(
      'filtered_search_p95',
      search(national, {
        categories: ['phishing'],
        states: ['resolved'],
        openedFrom: '2007-03-01',
        openedTo: '2007-03-31',
        limit: 50,
      }),
    );
    await measure(
      'branch_filtered_search_p95',
      search(branch, {
        categories: ['spam'],
        severities: ['high'],
        sort: 'opened_at',
        order: 'desc',
        limit: 50,
      }),
    );
    await measure('cidr_search_p95', search(national, { observable: cidr, limit: 50 }));
    await measure('ip_search_p95', search(national, { observable: ip, limit: 50 }));
    await measure('text_search_p95', search(national, { text: 'Nimaya', limit: 50 }));
  } finally {
    await db.close();
  }
}
