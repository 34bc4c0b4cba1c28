import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.ts';
import { seedTestBranches } from '../../test/support/seed.ts';
import type { ImportBatch } from '../services/ports.ts';
import { deferIndexesIfEmpty } from './bulk-load.ts';
import {
  GROUP_COMMIT_MS,
  packBatch,
  packColumn,
  startImportWriterThread,
  unpackBatch,
  unpackColumn,
} from './import-writer.thread.ts';

const PREPARE_MODULE = new URL('../services/import-prepare.ts', import.meta.url).href;

function batchOf(text: string, branchCode = 'CN-BJ'): ImportBatch {
  const at = '2007-07-01T00:00:00.000Z';
  return {
    incidents: [
      {
        title: text,
        description: text,
        category: 'spam',
        rsit: 'abusive-content/spam',
        scanning: 0,
        severity: 'medium',
        tlp: 'amber',
        branchCode,
        state: 'new',
        openedAt: at,
        dueAt: null,
        triagedAt: null,
        resolvedAt: null,
        closedAt: null,
      },
    ],
    reports: [
      {
        incident: { batchIndex: 0 },
        trackingNumber: `2007-${text.toUpperCase().padEnd(5, '0').slice(0, 5)}-00000`,
        channel: 'email',
        reporterType: 'individual',
        reporterName: '',
        reporterEmail: '',
        reporterPhone: '',
        receivedAt: at,
        subject: '',
        description: `${text} from 198.51.100.7`,
        category: 'spam',
        language: 'en',
        meta: '{}',
        observables: null,
      },
    ],
    actions: [],
    audit: {
      at,
      actorId: null,
      actor: 'system:test',
      entity: 'import',
      entityId: 'test',
      action: 'import',
      incidentId: null,
      before: null,
      after: {},
      ip: '',
    },
  };
}

describe('a batch packed for the thread', () => {
  it('comes back as it was: references, observables prepared or not, actions', () => {
    const batch = batchOf('pack');
    const second = { ...batch.reports[0]!, incident: { id: 41 }, trackingNumber: '2007-PACK2-00000' };
    const third = { ...batch.reports[0]!, incident: { id: 7 }, trackingNumber: '2007-PACK3-00000' };
    batch.reports[0]!.observables = [
      { kind: 'ipv4', value: '198.51.100.7', ipKey: '00000000000000000000ffffc6336407', domainKey: null },
      { kind: 'domain', value: 'example.cn', ipKey: null, domainKey: 'cn.example.' },
    ];
    second.observables = [];
    batch.reports.push(second, third);
    const action = {
      kind: 'contact_isp',
      branchCode: 'CN-BJ',
      counterpart: 'ISP',
      occurredAt: '2007-07-02T00:00:00.000Z',
      outcome: 'success',
      note: '',
    };
    batch.actions.push({ incident: { batchIndex: 0 }, ...action }, { incident: { id: 41 }, ...action });
    const copy = unpackBatch(structuredClone(packBatch(batch)));
    expect(copy).toEqual(batch);
    expect(copy.reports.map((r) => r.observables)).toEqual([batch.reports[0]!.observables, [], null]);
  });

  it('keeps every column value through the copy: texts of any script, numbers, nulls, mixed', () => {
    const text = fc.string({ unit: 'binary', maxLength: 40 });
    const value = fc.oneof(
      text,
      fc.constant(null),
      fc.double(),
      fc.integer(),
      fc.constant(undefined),
      fc.boolean(),
    );
    const columns = fc.oneof(
      fc.array(fc.oneof(text, fc.constant(null)), { maxLength: 60 }),
      fc.array(fc.oneof(fc.double(), fc.integer(), fc.constant(null)), { maxLength: 60 }),
      fc.array(value, { maxLength: 60 }),
    );
    fc.assert(
      fc.property(columns, (values) => {
        expect(unpackColumn(structuredClone(packColumn(values)))).toEqual(values);
      }),
      { numRuns: 2_000 },
    );
    // texts and numbers go as one string and typed arrays, not value by value
    expect(packColumn(['熊猫烧香', null, 'a']).kind).toBe('text');
    expect(packColumn([1, null, 2.5]).kind).toBe('number');
    expect(packColumn(['a', 1]).kind).toBe('values');
  });

  it('refuses a reference to an incident whose id is not known yet', () => {
    const batch = batchOf('unresolved');
    batch.reports[0]!.incident = { id: 0 };
    expect(() => packBatch(batch)).toThrow(/not resolved/);
  });
});

// The writer thread exists for SQLite files only.
describe('import writer thread (SQLite)', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('sqlite');
    await seedTestBranches(t.db);
  });
  afterAll(async () => {
    await t.destroy();
  });

  it('writes batches in order on its own connection, prepares them, and fails a batch naming a missing branch', async () => {
    const thread = startImportWriterThread(t.sqlite!.name, PREPARE_MODULE);
    const first = thread.write(batchOf('one'));
    expect(thread.backlog()).toBeGreaterThan(0);
    const second = thread.write(batchOf('two'));
    const [a, b] = await Promise.all([first, second]);
    expect(b[0]).toBe(a[0]! + 1);
    expect(thread.backlog()).toBe(0);

    // foreign keys are off on the thread's connection: the batch check stands in for them
    const failing = thread.write(batchOf('three', 'CN-NOWHERE'));
    // handed over before the failure is known: refused, since nothing after a failed batch is stored
    const behind = thread.write(batchOf('four'));
    await expect(failing).rejects.toThrow(/no branch CN-NOWHERE/);
    await expect(behind).rejects.toThrow(/an earlier batch failed/);
    await thread.close();

    const rows = await t.db
      .selectFrom('reports')
      .innerJoin('observables', 'observables.report_id', 'reports.id')
      .select(['reports.incident_id', 'observables.value'])
      .orderBy('reports.id')
      .execute();
    expect(rows).toEqual([
      { incident_id: a[0], value: '198.51.100.7' },
      { incident_id: b[0], value: '198.51.100.7' },
    ]);
    expect(await t.db.selectFrom('incidents').select('title').orderBy('id').execute()).toEqual([
      { title: 'one' },
      { title: 'two' },
    ]);
  });

  it('reports when it has started, and is stopped without waiting when it was never used', async () => {
    const unused = startImportWriterThread(t.sqlite!.name, PREPARE_MODULE);
    expect(unused.ready()).toBe(false);
    await unused.close();

    const thread = startImportWriterThread(t.sqlite!.name, PREPARE_MODULE);
    await expect.poll(() => thread.ready(), { timeout: 20_000 }).toBe(true);
    await thread.close();
  });

  it('commits a group of batches on its timer when no more come, releasing the write lock', async () => {
    const thread = startImportWriterThread(t.sqlite!.name, PREPARE_MODULE);
    try {
      const [id] = await thread.write(batchOf('timer'));
      // this connection waits for the write lock (busy timeout 5 s): it gets it once the group
      // commits, about GROUP_COMMIT_MS after the batch, without the thread being closed
      const started = performance.now();
      t.sqlite!.prepare("update incidents set title = 'timer, seen' where id = ?").run(id);
      expect(performance.now() - started).toBeLessThan(GROUP_COMMIT_MS + 4000);
      expect(t.sqlite!.prepare('select title from incidents where id = ?').pluck().get(id)).toBe(
        'timer, seen',
      );
    } finally {
      await thread.close();
    }
  });

  it('builds the indexes a bulk load set aside when it closes, on its own connection', async () => {
    const fresh = await createTestDatabase('sqlite');
    try {
      await seedTestBranches(fresh.db);
      const handle = fresh.sqlite!;
      const indexes = () =>
        handle
          .prepare(
            "select name from sqlite_master where type = 'index' and tbl_name = 'observables' order by name",
          )
          .pluck()
          .all();
      const before = indexes();
      expect(deferIndexesIfEmpty(handle)).toBe(true);
      expect(indexes().length).toBeLessThan(before.length);
      const thread = startImportWriterThread(handle.name, PREPARE_MODULE);
      await thread.write(batchOf('alpha'));
      await thread.write(batchOf('beta'));
      await thread.close({ restoreIndexes: true });
      expect(indexes()).toEqual(before);
      expect(handle.prepare('select count(*) from certops_deferred_indexes').pluck().get()).toBe(0);
      expect(handle.prepare('select count(*) from observables').pluck().get()).toBe(2);
    } finally {
      await fresh.destroy();
    }
  });
});
