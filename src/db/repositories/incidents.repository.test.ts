import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KyselyPlugin } from 'kysely';
import type { Scope } from '../../core/auth/actor.ts';
import {
  COUNT_CAP,
  incidentQuerySchema,
  type IncidentQueryInput,
} from '../../core/incidents/search-query.ts';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { seedTestBranches } from '../../../test/support/seed.ts';
import { insertUserRow } from '../../../test/support/incidents.ts';
import { createIncidentsRepository } from './incidents.repository.ts';
import type { IncidentsPort } from '../../services/ports.ts';

const ALL: Scope = { branchCode: null, userId: null, unrestricted: true };
const NOW = '2007-06-30T00:00:00.000Z';

function incidentRow(i: number, overrides: Record<string, unknown> = {}) {
  return {
    title: `bulk ${i}`,
    description: '',
    category: 'spam',
    rsit: 'abusive-content/spam',
    scanning: 0,
    severity: 'medium',
    tlp: 'amber',
    branch_code: i % 2 ? 'CN-GD' : 'CN-SH',
    assignee_id: null,
    state: i % 3 ? 'new' : 'resolved',
    merged_into_id: null,
    opened_at: new Date(Date.UTC(2007, 0, 1) + i * 60_000).toISOString(),
    due_at: new Date(Date.UTC(2007, 0, 4) + i * 60_000).toISOString(),
    triaged_at: null,
    resolved_at: null,
    closed_at: null,
    created_by: null,
    updated_at: NOW,
    version: 1,
    ...overrides,
  };
}

describe.each(DIALECTS)('incidents repository on %s', (dialect) => {
  let t: TestDatabase;
  let repo: IncidentsPort;
  const search = (scope: Scope, q: IncidentQueryInput) =>
    repo.searchIncidents(scope, incidentQuerySchema.parse(q), NOW);
  const insertHandler = (username: string) => insertUserRow(t.db, username, 'national_handler', null, NOW);
  /** The repository, with the compiled SQL of every query it runs (to ask SQLite for its plan). */
  const traced = () => {
    const compiled: { sql: string; parameters: readonly unknown[] }[] = [];
    const capture: KyselyPlugin = {
      transformQuery: (args) => {
        compiled.push(t.db.getExecutor().compileQuery(args.node, args.queryId));
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    return { compiled, repo: createIncidentsRepository(t.db.withPlugin(capture)) };
  };

  beforeAll(async () => {
    t = await createTestDatabase(dialect);
    await seedTestBranches(t.db);
    repo = createIncidentsRepository(t.db);
  });
  afterAll(async () => {
    await t.destroy();
  });

  it('caps the total at COUNT_CAP and says it is a lower bound; keyset pages still reach the end', async () => {
    const n = COUNT_CAP + 50;
    for (let start = 0; start < n; start += 400) {
      const rows = [];
      for (let i = start; i < Math.min(n, start + 400); i++) rows.push(incidentRow(i));
      await t.db.insertInto('incidents').values(rows).execute();
    }
    const page = await search(ALL, { limit: 50 });
    expect(page.total).toBe(COUNT_CAP);
    expect(page.totalIsLowerBound).toBe(true);
    const sh = await search(
      { branchCode: 'CN-SH', userId: null, unrestricted: false },
      { states: ['new'], limit: 500 },
    );
    const expected = Array.from({ length: n }, (_, i) => i).filter((i) => i % 2 === 0 && i % 3 !== 0).length;
    expect(sh.total).toBe(expected);
    expect(sh.totalIsLowerBound).toBe(false);
    // Walk the SH open queue to its end by cursor.
    let cursor: string | null = sh.nextCursor;
    let seen = sh.items.length;
    let last = sh.items[sh.items.length - 1]!.id;
    while (cursor) {
      const p = await search(
        { branchCode: 'CN-SH', userId: null, unrestricted: false },
        { states: ['new'], limit: 500, cursor },
      );
      for (const i of p.items) {
        expect(i.id).toBeLessThan(last);
        expect(i.branchCode).toBe('CN-SH');
        expect(i.state).toBe('new');
        last = i.id;
      }
      seen += p.items.length;
      cursor = p.nextCursor;
    }
    expect(seen).toBe(expected);
    // A garbled cursor is invalid input, not a crash.
    await expect(search(ALL, { cursor: 'bm90IGpzb24' })).rejects.toMatchObject({ id: 'invalid_input' });
  });

  it('applies TLP:RED membership in SQL and keeps unattached reports to national scopes', async () => {
    const uid = await insertHandler('red-member');
    const red = await t.db
      .insertInto('incidents')
      .values(incidentRow(1, { tlp: 'red', title: 'red one', branch_code: 'CN-XJ' }))
      .returning('id')
      .executeTakeFirstOrThrow();
    const rid = Number(red.id);
    const member: Scope = { branchCode: null, userId: uid, unrestricted: false };
    const stranger: Scope = { branchCode: null, userId: uid + 1000, unrestricted: false };
    expect(await repo.findIncident(member, rid)).toBeNull();
    await repo.transaction((tx) => tx.setRedUsers(rid, [uid]));
    expect((await repo.findIncident(member, rid))?.title).toBe('red one');
    expect(await repo.findIncident(stranger, rid)).toBeNull();
    expect(
      await repo.findIncident({ branchCode: 'CN-XJ', userId: uid, unrestricted: false }, rid),
    ).not.toBeNull();
    expect(
      await repo.findIncident({ branchCode: 'CN-BJ', userId: uid, unrestricted: false }, rid),
    ).toBeNull();
    expect((await search(stranger, { ids: [rid] })).items).toEqual([]);
    expect((await search(member, { ids: [rid] })).items.map((i) => i.id)).toEqual([rid]);
    expect(await repo.incidentExists(rid)).toBe(true);

    const report = await repo.transaction((tx) =>
      tx.insertReport(
        {
          trackingNumber: '2007-AAAAA-00001',
          statusSecretHash: 'x',
          channel: 'feed',
          reporterType: 'cert',
          reporterName: '',
          reporterEmail: '',
          reporterPhone: '',
          reporterOrgId: null,
          receivedAt: NOW,
          subject: 'unattached',
          description: 'see www.evil.example.com and http://cdn.evil.example.com/a.js',
          category: 'other',
          incidentId: null,
          language: 'en',
          meta: { feed: 'x' },
          createdBy: null,
          createdAt: NOW,
        },
        [],
        [
          { kind: 'domain', value: 'www.evil.example.com' },
          { kind: 'url', value: 'http://cdn.evil.example.com/a.js' },
          { kind: 'ipv4', value: '192.0.2.1' },
        ],
      ),
    );
    expect(await repo.findReport(ALL, report.id)).toMatchObject({
      subject: 'unattached',
      meta: { feed: 'x' },
    });
    expect(await repo.findReport(member, report.id)).not.toBeNull();
    expect(
      await repo.findReport({ branchCode: 'CN-BJ', userId: null, unrestricted: false }, report.id),
    ).toBeNull();
    const keys = await t.db
      .selectFrom('observables')
      .select(['kind', 'ip_key', 'domain_key'])
      .where('report_id', '=', report.id)
      .orderBy('id')
      .execute();
    expect(keys).toEqual([
      { kind: 'domain', ip_key: null, domain_key: 'com.example.evil.www.' },
      { kind: 'url', ip_key: null, domain_key: 'com.example.evil.cdn.' },
      { kind: 'ipv4', ip_key: '00000000000000000000ffffc0000201', domain_key: null },
    ]);
  });

  it('finds incidents by URL, e-mail, hash and exact domain through the index of non-IP values', async () => {
    const inc = await t.db
      .insertInto('incidents')
      .values(incidentRow(900_001, { title: 'by value', branch_code: 'CN-BJ' }))
      .returning('id')
      .executeTakeFirstOrThrow();
    const incidentId = Number(inc.id);
    const hash = 'a'.repeat(64);
    await repo.transaction((tx) =>
      tx.insertReport(
        {
          trackingNumber: '2007-VALUE-00001',
          statusSecretHash: 'x',
          channel: 'web',
          reporterType: 'individual',
          reporterName: '',
          reporterEmail: '',
          reporterPhone: '',
          reporterOrgId: null,
          receivedAt: NOW,
          subject: 'values',
          description: '',
          category: 'phishing',
          incidentId,
          language: 'en',
          meta: {},
          createdBy: null,
          createdAt: NOW,
        },
        [],
        [
          { kind: 'url', value: 'http://login.bank.example.net/verify' },
          { kind: 'email', value: 'phisher@bank.example.net' },
          { kind: 'sha256', value: hash },
          { kind: 'domain', value: 'bank.example.net' },
          { kind: 'ipv4', value: '198.51.100.77' },
        ],
      ),
    );
    const { compiled, repo: tracedRepo } = traced();
    const found = async (observable: string) => {
      compiled.length = 0;
      const page = await tracedRepo.searchIncidents(ALL, incidentQuerySchema.parse({ observable }), NOW);
      return page.items.map((i) => i.id);
    };
    for (const observable of [
      'http://login.bank.example.net/verify',
      'hxxp://login[.]bank[.]example[.]net/verify',
      'phisher@bank.example.net',
      hash,
      'bank.example.net',
      '198.51.100.77',
      '198.51.100.0/24',
    ]) {
      expect(await found(observable)).toEqual([incidentId]);
      if (dialect === 'sqlite' && !observable.startsWith('198.')) {
        // IP addresses are left out of the index; a search by value names the same term, so
        // SQLite uses the partial index instead of reading every observable
        const q = compiled.find((c) => c.sql.includes('from observables o'))!;
        const plan = t.sqlite!.prepare(`explain query plan ${q.sql}`).all(...q.parameters) as {
          detail: string;
        }[];
        const details = plan.map((r) => r.detail).join('\n');
        if (observable !== 'bank.example.net') expect(details).toContain('observables_value_incident_idx');
        expect(details).not.toMatch(/SCAN o\b|SCAN observables/);
      }
    }
    expect(await found('http://login.bank.example.net/other')).toEqual([]);
    expect(await found('example.net')).toEqual([incidentId]); // a domain finds its subdomains
    expect(await found('b'.repeat(64))).toEqual([]);
  });

  it("finds a person's incidents through the index of assigned incidents, and the unassigned ones", async () => {
    const userId = await insertHandler('assignee-idx');
    const rows = await t.db
      .insertInto('incidents')
      .values([
        incidentRow(9001, { title: 'mine-idx', assignee_id: userId, state: 'assigned' }),
        incidentRow(9002, { title: 'nobody-idx', state: 'new' }),
      ])
      .returning('id')
      .execute();
    const [assigned, unassigned] = rows.map((r) => Number(r.id));
    const { compiled, repo: tracedRepo } = traced();
    const mine = await tracedRepo.searchIncidents(
      ALL,
      incidentQuerySchema.parse({ assigneeId: userId }),
      NOW,
    );
    expect(mine.items.map((i) => i.id)).toEqual([assigned]);
    if (dialect === 'sqlite') {
      // assignee_id = ? implies the partial index's term: SQLite searches it instead of scanning
      const q = compiled.find((c) => c.sql.includes('"incidents"."assignee_id" = ?'))!;
      const plan = t.sqlite!.prepare(`explain query plan ${q.sql}`).all(...q.parameters) as {
        detail: string;
      }[];
      expect(plan.map((r) => r.detail).join('\n')).toContain('incidents_assignee_idx');
    }
    const none = await search(ALL, { assigneeId: 'none', text: 'mine-idx' });
    expect(none.items.map((i) => i.id)).toEqual([]);
    const unassignedFound = await search(ALL, { assigneeId: 'none', text: 'nobody-idx' });
    expect(unassignedFound.items.map((i) => i.id)).toEqual([unassigned]);
  });

  it('rolls back every write of a failed transaction, audit rows included', async () => {
    const before = await t.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    await expect(
      repo.transaction(async (tx) => {
        await tx.audit({
          at: NOW,
          actorId: null,
          actor: 't',
          entity: 'incident',
          entityId: '1',
          action: 'x',
          incidentId: null,
          before: null,
          after: null,
          ip: '',
        });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const after = await t.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('refuses a stale version with compare-and-set', async () => {
    const row = await t.db
      .insertInto('incidents')
      .values(incidentRow(7))
      .returning('id')
      .executeTakeFirstOrThrow();
    const id = Number(row.id);
    const first = await repo.transaction((tx) => tx.updateIncident(id, 1, { title: 'a' }, NOW));
    expect(first).toMatchObject({ title: 'a', version: 2 });
    const stale = await repo.transaction((tx) => tx.updateIncident(id, 1, { title: 'b' }, NOW));
    expect(stale).toBeNull();
  });
});
