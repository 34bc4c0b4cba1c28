import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../core/auth/actor.ts';
import { fixedClock } from '../core/shared/clock.ts';
import { createAuditRepository } from '../db/repositories/audit.repository.ts';
import { createIncidentsRepository } from '../db/repositories/incidents.repository.ts';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../../test/support/db.ts';
import { TEST_SLA } from '../../test/support/incidents.ts';
import { seedTestBranches } from '../../test/support/seed.ts';
import { createIncidentService } from './incident.service.ts';

describe.each(DIALECTS)('tracking number collisions on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(dialect);
    await seedTestBranches(t.db);
  });
  afterAll(async () => {
    await t.destroy();
  });

  it('draws another number when the random one is taken, and keeps nothing of the failed attempt', async () => {
    const same = Buffer.alloc(10, 7);
    // tracking-number draws (10 bytes): the first report's, then a colliding one, then a fresh one
    const draws: Buffer[] = [same, same];
    const random = (n: number) => (n === 10 ? (draws.shift() ?? randomBytes(10)) : randomBytes(n));
    const service = createIncidentService({
      incidents: createIncidentsRepository(t.db),
      audit: createAuditRepository(t.db),
      clock: fixedClock('2007-06-01T00:00:00.000Z'),
      config: { slaHours: TEST_SLA },
      random,
    });
    const actor = systemActor('test');
    const first = await service.createReport(actor, { channel: 'phone', subject: 'first' } as never);
    const second = await service.createReport(actor, { channel: 'phone', subject: 'second' } as never);
    expect(draws).toEqual([]);
    expect(second.trackingNumber).not.toBe(first.trackingNumber);
    const rows = await t.db
      .selectFrom('reports')
      .select('subject')
      .where('subject', 'in', ['first', 'second'])
      .execute();
    expect(rows.map((r) => r.subject).sort()).toEqual(['first', 'second']);
    // the failed attempt's incident was rolled back with it: one incident per report
    const incidents = await t.db
      .selectFrom('incidents')
      .select('title')
      .where('title', 'in', ['first', 'second'])
      .execute();
    expect(incidents).toHaveLength(2);
  });

  it('gives up with the error after five taken numbers, leaving no incident or report behind', async () => {
    const same = Buffer.alloc(10, 9);
    const service = createIncidentService({
      incidents: createIncidentsRepository(t.db),
      audit: createAuditRepository(t.db),
      clock: fixedClock('2007-06-02T00:00:00.000Z'),
      config: { slaHours: TEST_SLA },
      random: (n) => (n === 10 ? same : randomBytes(n)),
    });
    const actor = systemActor('test');
    await service.createReport(actor, { channel: 'fax', subject: 'taken' } as never);
    const count = async () =>
      Number(
        (
          await t.db
            .selectFrom('incidents')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    await expect(
      service.createReport(actor, { channel: 'fax', subject: 'never stored' } as never),
    ).rejects.toThrow(/tracking number 2007-\S+ is already in use/);
    expect(await count()).toBe(before);
  });
});
