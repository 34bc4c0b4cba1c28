import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import type { Database } from './database.ts';
import { restoreDeferredIndexes } from './bulk-load.ts';
import * as m0001 from './migrations/0001_create_base.ts';
import * as m0002 from './migrations/0002_add_directory_keys.ts';
import * as m0003 from './migrations/0003_index_auth.ts';
import * as m0004 from './migrations/0004_index_incident_search.ts';
import * as m0005 from './migrations/0005_trim_write_indexes.ts';
import * as m0006 from './migrations/0006_create_deferred_indexes.ts';
import * as m0007 from './migrations/0007_create_mail.ts';
import * as m0008 from './migrations/0008_create_outbound.ts';
import * as m0009 from './migrations/0009_create_pipeline.ts';
import * as m0010 from './migrations/0010_create_malware_families.ts';
import * as m0011 from './migrations/0011_create_event_merges.ts';
import * as m0012 from './migrations/0012_add_rules_line.ts';
import * as m0013 from './migrations/0013_narrow_observable_value_index.ts';
import * as m0014 from './migrations/0014_index_tracking_numbers.ts';
import * as m0015 from './migrations/0015_index_assigned_incidents_only.ts';
import * as m0016 from './migrations/0016_index_event_keys.ts';
import * as m0017 from './migrations/0017_create_event_merge_runs.ts';

/** Every migration, in order. A new one is a new file `NNNN_verb_object.ts` added here. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_create_base': m0001,
  '0002_add_directory_keys': m0002,
  '0003_index_auth': m0003,
  '0004_index_incident_search': m0004,
  '0005_trim_write_indexes': m0005,
  '0006_create_deferred_indexes': m0006,
  '0007_create_mail': m0007,
  '0008_create_outbound': m0008,
  '0009_create_pipeline': m0009,
  '0010_create_malware_families': m0010,
  '0011_create_event_merges': m0011,
  '0012_add_rules_line': m0012,
  '0013_narrow_observable_value_index': m0013,
  '0014_index_tracking_numbers': m0014,
  '0015_index_assigned_incidents_only': m0015,
  '0016_index_event_keys': m0016,
  '0017_create_event_merge_runs': m0017,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

export interface MigrationReport {
  applied: string[];
}

const migratorOf = (database: Database) =>
  new Migrator({
    db: database.db,
    provider,
    migrationTableName: 'certops_migrations',
    migrationLockTableName: 'certops_migrations_lock',
  });

/** Migrates up or down to the named migration (tests of a migration's `up` on existing rows). */
export async function migrateTo(database: Database, name: string): Promise<void> {
  if (!(name in MIGRATIONS)) throw new Error(`no migration ${name}`);
  const result = await migratorOf(database).migrateTo(name);
  if (result.error)
    throw new Error(`migration to ${name} failed: ${(result.error as Error).message ?? result.error}`);
}

export async function migrateToLatest(database: Database): Promise<MigrationReport> {
  const result: MigrationResultSet = await migratorOf(database).migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    throw new Error(
      `migration ${failed?.migrationName ?? '?'} failed: ${(result.error as Error).message ?? result.error}`,
    );
  }
  // Indexes a crashed bulk load set aside are rebuilt before anything uses the database.
  if (database.sqlite) restoreDeferredIndexes(database.sqlite);
  return {
    applied: (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName),
  };
}
