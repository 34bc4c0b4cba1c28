import type { Kysely } from 'kysely';
import { systemActor, type Actor } from '../../src/core/auth/actor.ts';
import type { Role } from '../../src/core/auth/roles.ts';
import { fixedClock } from '../../src/core/shared/clock.ts';
import type { Dialect } from '../../src/db/database.ts';
import type { DB } from '../../src/db/schema.ts';
import { createAuditRepository } from '../../src/db/repositories/audit.repository.ts';
import { createIncidentsRepository } from '../../src/db/repositories/incidents.repository.ts';
import { createIncidentService, type IncidentService } from '../../src/services/incident.service.ts';
import type { AuditPort, IncidentsPort } from '../../src/services/ports.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { seedTestBranches } from './seed.ts';

export const TEST_SLA = { critical: 4, high: 24, medium: 72, low: 168 };

export interface IncidentsHarness {
  t: TestDatabase;
  clock: ReturnType<typeof fixedClock>;
  repo: IncidentsPort;
  audit: AuditPort;
  service: IncidentService;
  system: Actor;
  /** Inserts a user row and returns the Actor that user would be. */
  user(role: Role, branchCode?: string | null): Promise<Actor>;
  destroy(): Promise<void>;
}

let seq = 0;

/** Inserts a user row (no password) and returns its id; a branch handler gets CN-BJ by default. */
export async function insertUserRow(
  db: Kysely<DB>,
  username: string,
  role: Role,
  branchCode: string | null = null,
  now = '2007-03-01T08:00:00.000Z',
): Promise<number> {
  const row = await db
    .insertInto('users')
    .values({
      username,
      display_name: username,
      email: `${username}@example.cn`,
      password_hash: '',
      role,
      branch_code: role === 'branch_handler' ? (branchCode ?? 'CN-BJ') : null,
      language: 'zh-CN',
      disabled: 0,
      must_change_password: 0,
      created_at: now,
      last_login_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** A migrated database with branches, the incidents repository and service over it, a pinned clock. */
export async function createIncidentsHarness(
  dialect: Dialect,
  now = '2007-03-01T08:00:00.000Z',
): Promise<IncidentsHarness> {
  const t = await createTestDatabase(dialect);
  await seedTestBranches(t.db);
  const clock = fixedClock(now);
  const repo = createIncidentsRepository(t.db);
  const audit = createAuditRepository(t.db);
  const service = createIncidentService({ incidents: repo, audit, clock, config: { slaHours: TEST_SLA } });
  return {
    t,
    clock,
    repo,
    audit,
    service,
    system: systemActor('test'),
    async user(role, branchCode = null) {
      seq += 1;
      const username = `${role}-${seq}`;
      const userId = await insertUserRow(t.db, username, role, branchCode, now);
      return {
        kind: 'user',
        userId,
        label: username,
        role,
        branchCode: role === 'branch_handler' ? (branchCode ?? 'CN-BJ') : null,
        ip: '198.51.100.7',
      };
    },
    destroy: () => t.destroy(),
  };
}
