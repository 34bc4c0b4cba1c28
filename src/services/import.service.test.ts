import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.ts';
import { systemActor, type Actor } from '../core/auth/actor.ts';
import { fixedClock } from '../core/shared/clock.ts';
import { composeServices } from '../main/compose.ts';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../../test/support/db.ts';
import { seedTestBranches } from '../../test/support/seed.ts';
import type { AppServices } from './index.ts';
import { createImportService, type ImportInputRecord } from './import.service.ts';
import { createIncidentImportRepository } from '../db/repositories/incident-import.repository.ts';
import { createDirectoryRepository } from '../db/repositories/directory.repository.ts';

const PREPARE_MODULE = new URL('./import-prepare.ts', import.meta.url).href;

async function* lines(records: Record<string, unknown>[], startLine = 2): AsyncGenerator<ImportInputRecord> {
  let line = startLine;
  for (const record of records) yield { line: line++, record };
}

/** A small history: what an old tracker exports for a few weeks of 2007. */
const HISTORY: Record<string, unknown>[] = [
  // two reports of one phishing incident, handled by CN-XJ with an action by CN-BJ
  {
    incident: 'P1',
    received_at: '2007-01-05 09:00',
    channel: 'email',
    category: 'phishing',
    subject: '仿冒网站 hxxp://bank-login[.]example[.]com',
    state: 'resolved',
    branch: '新疆',
    resolved_at: '2007-01-20',
    action_kind: 'request_domain_suspension',
    action_branch: 'Beijing',
    action_counterpart: '某注册商',
  },
  {
    incident: 'P1',
    received_at: '2007-01-06T01:00:00Z',
    channel: 'web',
    category: 'phishing',
    description: 'same site again, 203.0.113.7',
  },
  // a spam report in February, still open, at Beijing
  { received_at: '2007-02-10', category: 'spam', description: 'spam from 198.51.100.2', branch: 'CN-BJ' },
  // a scanning report: not counted as non-scanning
  {
    received_at: '2007-02-11',
    category: 'scanning',
    description: 'port scan',
    state: 'resolved',
    resolved_at: '2007-02-12',
    branch: 'SHANGHAI SHI',
  },
  // a DoS incident resolved at the national centre, received at 23:30 Beijing time on 31 January
  {
    received_at: '2007-01-31T15:30:00Z',
    rsit: 'availability/ddos',
    description: 'DDoS 1G 流量',
    state: 'resolved',
    resolved_at: '2007-03-01',
    actions: [
      { kind: 'contact_isp', branch: 'CN-GD', outcome: 'success' },
      { kind: 'contact_isp', branch: 'CN-SH' },
    ],
  },
];

describe.each(DIALECTS)('import reports and incident statistics on %s', (dialect) => {
  let t: TestDatabase;
  let services: AppServices;
  const actor: Actor = systemActor('test');

  beforeAll(async () => {
    t = await createTestDatabase(dialect);
    await seedTestBranches(t.db);
    services = composeServices(t, loadConfig({ env: {} }), fixedClock('2007-07-01T00:00:00Z'));
  });
  afterAll(async () => {
    await t.destroy();
  });

  it('imports reports, groups them into incidents and counts them by the statistics definitions', async () => {
    const r = await services.imports.importReports(actor, lines(HISTORY), {
      source: 'history.jsonl',
      batchSize: 2,
    });
    expect(r).toEqual({ reports: 5, incidents: 4, actions: 3, errors: [], stoppedAtLine: null });

    const incidents = await t.db.selectFrom('incidents').selectAll().orderBy('id').execute();
    expect(incidents.map((i) => [i.category, i.branch_code, i.state])).toEqual([
      ['phishing', 'CN-XJ', 'resolved'],
      ['spam', 'CN-BJ', 'new'],
      ['scanning', 'CN-SH', 'resolved'],
      ['dos', 'CN-NATIONAL', 'resolved'],
    ]);
    const p1Reports = await t.db
      .selectFrom('reports')
      .select(['incident_id', 'tracking_number'])
      .where('incident_id', '=', incidents[0]!.id)
      .execute();
    expect(p1Reports).toHaveLength(2);
    expect(p1Reports[0]!.tracking_number).toMatch(/^2007-[0-9A-Z]{5}-[0-9A-Z]{5}$/);
    const obs = await t.db
      .selectFrom('observables')
      .select(['kind', 'value'])
      .where('incident_id', '=', incidents[0]!.id)
      .orderBy('value')
      .execute();
    expect(obs).toEqual(
      expect.arrayContaining([
        { kind: 'domain', value: 'bank-login.example.com' },
        { kind: 'ipv4', value: '203.0.113.7' },
      ]),
    );
    const audit = await t.db.selectFrom('audit_log').selectAll().where('entity', '=', 'import').execute();
    expect(audit.length).toBe(3); // one entry per batch of 2

    const s = await services.stats.incidentStats(actor, { from: '2007-01-01', to: '2007-06-30' });
    expect(s.reportsReceivedNonScanning).toBe(4);
    // 31 January 23:30 in Beijing is January; the scanning report is not counted
    expect(s.reportsPerMonth).toEqual([
      { month: '2007-01', count: 3 },
      { month: '2007-02', count: 1 },
      { month: '2007-03', count: 0 },
      { month: '2007-04', count: 0 },
      { month: '2007-05', count: 0 },
      { month: '2007-06', count: 0 },
    ]);
    expect(s.reportsPerCategory.slice(0, 3)).toEqual([
      { key: 'phishing', count: 2, share: 0.5 },
      { key: 'dos', count: 1, share: 0.25 },
      { key: 'spam', count: 1, share: 0.25 },
    ]);
    expect(s.incidentsHandled).toBe(3);
    expect(s.handledPerCategory.filter((c) => c.count > 0).map((c) => [c.key, c.count])).toEqual([
      ['dos', 1],
      ['phishing', 1],
      ['scanning', 1],
    ]);
    // CN-XJ owns P1, CN-BJ acted on it; CN-SH owns the scan and acted on the DoS (once per incident each); CN-GD acted on the DoS
    expect(s.branchesHandling.total).toBe(4);
    expect(s.branchesHandling.items).toEqual([
      { key: 'CN-SH', count: 2, share: 2 / 5 },
      { key: 'CN-BJ', count: 1, share: 1 / 5 },
      { key: 'CN-GD', count: 1, share: 1 / 5 },
      { key: 'CN-XJ', count: 1, share: 1 / 5 },
    ]);

    const narrow = await services.stats.incidentStats(actor, { from: '2007-02-01', to: '2007-02-28' });
    expect(narrow.reportsReceivedNonScanning).toBe(1);
    expect(narrow.incidentsHandled).toBe(1);
  });

  it('keeps every line before a malformed one and names the line and field', async () => {
    const before = await t.db
      .selectFrom('reports')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const records: ImportInputRecord[] = [
      { line: 2, record: { received_at: '2007-04-01', description: 'ok one' } },
      { line: 3, record: { received_at: '2007-04-02', description: 'ok two' } },
      { line: 4, record: { received_at: '2007-04-31', description: 'bad day' } },
      { line: 5, record: { received_at: '2007-04-03', description: 'after' } },
    ];
    const r = await services.imports.importReports(
      actor,
      (async function* () {
        yield* records;
      })(),
      { source: 'bad.csv' },
    );
    expect(r.stoppedAtLine).toBe(4);
    expect(r.reports).toBe(2);
    expect(r.errors).toEqual([
      { line: 4, message: expect.stringMatching(/^line 4: received_at: "2007-04-31" is not a timestamp/) },
    ]);
    const after = await t.db
      .selectFrom('reports')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n) - Number(before.n)).toBe(2);

    const skipping = await services.imports.importReports(
      actor,
      (async function* () {
        yield { line: 2, record: { received_at: '2007-05-01', description: 'x', branch: 'Atlantis' } };
        yield { line: 3, record: { received_at: '2007-05-01', description: 'y', state: 'resolved' } };
        yield { line: 4, record: undefined, error: 'line 4: not valid JSON (Unexpected token)' };
        yield { line: 5, record: { received_at: '2007-05-02', description: 'z', category: 'dos' } };
      })(),
      { source: 'skip.jsonl', skipInvalid: true },
    );
    expect(skipping.reports).toBe(1);
    expect(skipping.stoppedAtLine).toBeNull();
    expect(skipping.errors.map((e) => e.message)).toEqual([
      'line 2: branch: unknown branch "Atlantis"',
      'line 3: resolved_at: required when state is resolved',
      'line 4: not valid JSON (Unexpected token)',
    ]);
  });
});

/** The import service as compose wires it: on SQLite the writer thread starts with the first
 * batch, takes over once it has started, and extracts observables there. */
function importService(
  database: TestDatabase,
  random?: (n: number) => Uint8Array,
  writerThread?: 'always',
  /** Branches the import matches names against (default: the database's). */
  loadBranches?: () => ReturnType<ReturnType<typeof createDirectoryRepository>['listBranches']>,
) {
  const config = loadConfig({ env: {} });
  return createImportService({
    imports: createIncidentImportRepository(database, {
      prepareModule: PREPARE_MODULE,
      ...(writerThread ? { writerThread } : {}),
    }),
    loadBranches: loadBranches ?? (() => createDirectoryRepository(database.db).listBranches()),
    clock: fixedClock('2007-07-01T00:00:00Z'),
    timeZone: config.timeZone,
    slaHours: config.slaHours,
    random,
  });
}

describe.each(DIALECTS)('import pipeline on %s (one batch written while the next is parsed)', (dialect) => {
  let t: TestDatabase;
  const actor: Actor = systemActor('test');

  beforeAll(async () => {
    t = await createTestDatabase(dialect);
    await seedTestBranches(t.db);
  });
  afterAll(async () => {
    await t.destroy();
  });

  it('groups the reports of one incident key across batches, whichever batch created it', async () => {
    // every even row names one of four incidents; with one row per batch each key is created by
    // the batch in flight, or by one already stored, when a later row names it
    const rows = Array.from({ length: 30 }, (_, i) => ({
      incident: i % 2 === 0 ? `K${(i / 2) % 4}` : '',
      received_at: `2007-03-${String(1 + (i % 28)).padStart(2, '0')}`,
      category: 'phishing',
      description: `phishing page on 203.0.113.${i + 1}`,
      branch: 'CN-XJ',
    }));
    const r = await importService(t).importReports(actor, lines(rows), {
      source: 'keys.jsonl',
      batchSize: 1,
    });
    expect(r).toEqual({ reports: 30, incidents: 19, actions: 0, errors: [], stoppedAtLine: null });

    const reports = await t.db
      .selectFrom('reports')
      .select(['id', 'incident_id', 'meta'])
      .orderBy('id')
      .execute();
    expect(reports).toHaveLength(30);
    const incidentOfLine = new Map(
      reports.map((x) => [
        (JSON.parse(x.meta) as { imported: { line: number } }).imported.line,
        x.incident_id,
      ]),
    );
    for (let i = 0; i < 30; i++) {
      const same = rows.flatMap((row, j) =>
        row.incident !== '' && row.incident === rows[i]!.incident ? [j] : [],
      );
      for (const j of same) expect(incidentOfLine.get(j + 2)).toBe(incidentOfLine.get(i + 2));
    }
    expect(new Set(reports.map((x) => x.incident_id)).size).toBe(19);
    // observables were extracted for every report, whichever thread did it
    const obs = await t.db.selectFrom('observables').select(['report_id', 'value']).execute();
    expect(
      obs
        .filter((o) => o.value.startsWith('203.0.113.'))
        .map((o) => o.report_id)
        .sort(),
    ).toEqual(reports.map((x) => x.id).sort());
    expect(
      await t.db.selectFrom('audit_log').select('id').where('entity_id', '=', 'keys.jsonl').execute(),
    ).toHaveLength(30);
  });

  it('stores every observable with its own report, however many a batch holds', async () => {
    // 163 reports of two addresses each in one batch: incidents and reports 50 to a statement and
    // one at a time for the last 13, observables in several multi-row statements
    const rows = Array.from({ length: 163 }, (_, i) => ({
      received_at: '2007-06-01',
      category: 'dos',
      description: `flood from 192.0.2.${i} towards 198.18.${i >> 8}.${i & 255}`,
      branch: 'CN-BJ',
    }));
    const r = await importService(t, undefined, 'always').importReports(actor, lines(rows), {
      source: 'many-observables.jsonl',
    });
    expect(r.reports).toBe(163);
    const obs = await t.db
      .selectFrom('observables')
      .innerJoin('reports', 'reports.id', 'observables.report_id')
      .innerJoin('incidents', 'incidents.id', 'reports.incident_id')
      .select([
        'reports.description',
        'observables.value',
        'observables.incident_id',
        'reports.incident_id as rid',
        'incidents.description as incidentText',
      ])
      .where('reports.description', 'like', 'flood from 192.0.2.%')
      .execute();
    expect(obs).toHaveLength(326);
    for (const o of obs) {
      expect(o.description).toContain(o.value);
      expect(o.incident_id).toBe(o.rid);
      // each report sits with the incident made from it
      expect(o.incidentText).toBe(o.description);
    }
    expect(new Set(obs.map((o) => o.rid)).size).toBe(163);
  });

  it('resolves a key created by any of the batches still in flight', async () => {
    // one row per batch and the writer thread from the first batch: several batches are in flight
    // when a row names the incident one of them creates (one, two and three batches back)
    const keys = ['A', 'A', 'B', 'A', 'C', 'B', 'A', 'D', 'C', 'D', 'B', 'A'];
    const rows = keys.map((incident, i) => ({
      incident,
      received_at: `2007-04-${String(1 + i).padStart(2, '0')}`,
      category: 'phishing',
      description: `phishing page on 198.51.100.${i + 1}`,
      branch: 'CN-XJ',
    }));
    const r = await importService(t, undefined, 'always').importReports(actor, lines(rows), {
      source: 'in-flight.jsonl',
      batchSize: 1,
    });
    expect(r).toEqual({ reports: 12, incidents: 4, actions: 0, errors: [], stoppedAtLine: null });
    const reports = await t.db
      .selectFrom('reports')
      .select(['incident_id', 'description'])
      .where('description', 'like', 'phishing page on 198.51.100.%')
      .orderBy('id')
      .execute();
    const incidentOf = new Map<string, number | null>();
    reports.forEach((x, i) => {
      const key = keys[i]!;
      if (!incidentOf.has(key)) incidentOf.set(key, x.incident_id);
      expect(x.incident_id).toBe(incidentOf.get(key));
    });
    expect(new Set(incidentOf.values()).size).toBe(4);
  });

  it("gives an action that names no branch to the incident's branch, however the row spells it", async () => {
    const r = await importService(t).importReports(
      actor,
      lines([
        {
          received_at: '2007-04-01',
          description: 'defaced',
          branch: '新疆',
          state: 'resolved',
          resolved_at: '2007-04-02',
          action_kind: 'notify_owner',
        },
      ]),
      { source: 'own-branch.jsonl' },
    );
    expect(r.errors).toEqual([]);
    const action = await t.db
      .selectFrom('actions')
      .innerJoin('incidents', 'incidents.id', 'actions.incident_id')
      .select(['actions.branch_code', 'incidents.branch_code as incident_branch'])
      .where('incidents.description', '=', 'defaced')
      .executeTakeFirstOrThrow();
    expect(action).toEqual({ branch_code: 'CN-XJ', incident_branch: 'CN-XJ' });
  });

  it('names an unknown action branch as an error of its line', async () => {
    const r = await importService(t).importReports(
      actor,
      lines([
        {
          received_at: '2007-04-01',
          description: 'a',
          action_kind: 'contact_isp',
          action_branch: 'Atlantis',
        },
      ]),
      { source: 'action.jsonl' },
    );
    expect(r.stoppedAtLine).toBe(2);
    expect(r.errors).toEqual([{ line: 2, message: 'line 2: action_branch: unknown branch "Atlantis"' }]);
  });

  it('stops with the error of a batch that cannot be written, keeping the batches before it', async () => {
    const fresh = await createTestDatabase(dialect);
    try {
      await seedTestBranches(fresh.db);
      // a branch list older than the database: it still names a branch deleted since, so the
      // batch of the row that names it breaks a foreign key; the batches after it would be fine,
      // but nothing after a failed batch is stored
      const directory = createDirectoryRepository(fresh.db);
      const stale = async () => {
        const list = await directory.listBranches();
        const xj = list.find((b) => b.code === 'CN-XJ')!;
        return [
          ...list,
          { ...xj, code: 'CN-GONE', nameZh: '已撤销分中心', nameEn: 'Closed branch', aliases: [] },
        ];
      };
      const rows = Array.from({ length: 5 }, (_, i) => ({
        received_at: '2007-05-01',
        description: `r${i}`,
        branch: i === 1 ? 'Closed branch' : 'CN-BJ',
      }));
      await expect(
        importService(fresh, undefined, undefined, stale).importReports(actor, lines(rows), {
          source: 'stale.jsonl',
          batchSize: 1,
        }),
      ).rejects.toThrow(/foreign key/i);
      const stored = await fresh.db.selectFrom('reports').select('description').execute();
      expect(stored.map((s) => s.description)).toEqual(['r0']);
    } finally {
      await fresh.destroy();
    }
  });

  it.each(dialect === 'sqlite' ? [undefined, 'always' as const] : [undefined])(
    'draws the numbers of a batch again when one is taken already (writer thread: %s)',
    async (writerThread) => {
      const fresh = await createTestDatabase(dialect);
      try {
        await seedTestBranches(fresh.db);
        // a database that holds incidents already keeps its indexes live during a load, the
        // tracking numbers' unique index too (into an empty one, see below)
        await sql`insert into incidents (title, category, rsit, branch_code, opened_at, updated_at)
          values ('earlier', 'other', 'other/other', 'CN-BJ', 'a', 'a')`.execute(fresh.db);
        // the same number for the first two batches: the second's is taken when it is written
        let calls = 0;
        const sameNumber = (n: number) => (calls++ < 2 ? new Uint8Array(n) : randomBytes(n));
        const rows = Array.from({ length: 5 }, (_, i) => ({
          received_at: '2007-05-01',
          description: `r${i}`,
        }));
        const result = await importService(fresh, sameNumber, writerThread).importReports(
          actor,
          lines(rows),
          {
            source: 'dup.jsonl',
            batchSize: 1,
          },
        );
        expect(result).toMatchObject({ reports: 5, errors: [], stoppedAtLine: null });
        const stored = await fresh.db
          .selectFrom('reports')
          .select(['description', 'tracking_number'])
          .orderBy('description')
          .execute();
        expect(stored.map((s) => s.description)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
        expect(stored[0]!.tracking_number).toBe('2007-00000-00000');
        expect(stored[1]!.tracking_number).toMatch(/^2007-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
        expect(new Set(stored.map((s) => s.tracking_number)).size).toBe(5);
        // the batch drawn again was written once: one report, one incident, per line
        expect(await fresh.db.selectFrom('incidents').select('id').execute()).toHaveLength(6);
      } finally {
        await fresh.destroy();
      }
    },
  );
});

describe('import into an empty SQLite database (indexes built at the end)', () => {
  const indexBuilt = (d: TestDatabase, name: string) =>
    d.sqlite!.prepare('select count(*) from sqlite_master where name = ?').pluck().get(name);
  const rows = Array.from({ length: 5 }, (_, i) => ({ received_at: '2007-05-01', description: `r${i}` }));

  it('draws a tracking number drawn twice during the load again when its index is built', async () => {
    const fresh = await createTestDatabase('sqlite');
    try {
      await seedTestBranches(fresh.db);
      let calls = 0;
      const sameNumber = (n: number) => (calls++ < 2 ? new Uint8Array(n) : randomBytes(n));
      const result = await importService(fresh, sameNumber).importReports(systemActor('test'), lines(rows), {
        source: 'dup.jsonl',
        batchSize: 1,
      });
      expect(result.reports).toBe(5);
      const stored = await fresh.db
        .selectFrom('reports')
        .select(['description', 'tracking_number'])
        .orderBy('id')
        .execute();
      expect(stored.map((s) => s.description)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
      expect(stored[0]!.tracking_number).toBe('2007-00000-00000');
      expect(stored[1]!.tracking_number).toMatch(/^2007-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
      expect(new Set(stored.map((s) => s.tracking_number)).size).toBe(5);
      expect(indexBuilt(fresh, 'reports_tracking_number_uq')).toBe(1);
      expect(fresh.sqlite!.prepare('select count(*) from certops_deferred_indexes').pluck().get()).toBe(0);
    } finally {
      await fresh.destroy();
    }
  });

  it('builds the indexes it set aside when a batch cannot be written', async () => {
    const fresh = await createTestDatabase('sqlite');
    try {
      await seedTestBranches(fresh.db);
      // an actor whose user does not exist: the audit row of the first batch cannot be written
      const ghost: Actor = { ...systemActor('test'), userId: 424242 };
      await expect(
        importService(fresh).importReports(ghost, lines(rows), { source: 'ghost.jsonl', batchSize: 1 }),
      ).rejects.toThrow(/FOREIGN KEY/);
      expect(await fresh.db.selectFrom('reports').select('id').execute()).toEqual([]);
      expect(fresh.sqlite!.prepare('select count(*) from certops_deferred_indexes').pluck().get()).toBe(0);
      expect(indexBuilt(fresh, 'incidents_open_due_idx')).toBe(1);
      expect(indexBuilt(fresh, 'reports_tracking_number_uq')).toBe(1);
    } finally {
      await fresh.destroy();
    }
  });
});
