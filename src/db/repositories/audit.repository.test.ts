import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { createAuditRepository } from './audit.repository.ts';

describe.each(DIALECTS)('audit repository on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(dialect);
  });
  afterAll(async () => {
    await t.destroy();
  });

  it('appends and lists newest first with before/after kept as JSON', async () => {
    const audit = createAuditRepository(t.db);
    const base = { actorId: null, actor: 'system:test', entity: 'incident', incidentId: 5, ip: '127.0.0.1' };
    await audit.record({
      ...base,
      at: '2007-01-01T00:00:00.000Z',
      entityId: '5',
      action: 'create',
      before: null,
      after: { state: 'new' },
    });
    await audit.record({
      ...base,
      at: '2007-01-02T00:00:00.000Z',
      entityId: '5',
      action: 'state',
      before: { state: 'new' },
      after: { state: '已分派' },
    });
    await audit.record({
      ...base,
      at: '2007-01-03T00:00:00.000Z',
      entityId: '6',
      incidentId: 6,
      action: 'create',
      before: null,
      after: {},
    });
    const rows = await audit.list({ incidentId: 5, limit: 10 });
    expect(rows.map((r) => r.action)).toEqual(['state', 'create']);
    expect(rows[0]!.after).toEqual({ state: '已分派' });
    expect(rows[1]!.before).toBeNull();
    const page = await audit.list({ incidentId: 5, limit: 10, beforeId: rows[0]!.id });
    expect(page.map((r) => r.action)).toEqual(['create']);
  });
});
