import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { resolveDatabase } from '../config/config.ts';
import { systemClock, type Clock } from '../core/shared/clock.ts';
import { openDatabase, type Database } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import type { AppServices } from '../services/index.ts';
import { createImportService } from '../services/import.service.ts';
import { createStatsService } from '../services/stats.service.ts';
import { createAuthService } from '../services/auth.service.ts';
import { createAuthRepository } from '../db/repositories/auth.repository.ts';
import { createAuditRepository } from '../db/repositories/audit.repository.ts';
import { createDirectoryRepository } from '../db/repositories/directory.repository.ts';
import { createDirectoryService } from '../services/directory.service.ts';
import { createIncidentImportRepository } from '../db/repositories/incident-import.repository.ts';
import { createStatsRepository } from '../db/repositories/stats.repository.ts';
import { createIncidentsRepository } from '../db/repositories/incidents.repository.ts';
import { createIncidentService } from '../services/incident.service.ts';
import { createSavedViewsRepository } from '../db/repositories/saved-views.repository.ts';
import { createSavedViewService } from '../services/saved-view.service.ts';
import { createDashboardService } from '../services/dashboard.service.ts';
import { composeMailServices } from './compose-mail.ts';
import { composeMailProcessing } from './compose-mail-processing.ts';
import { composePipelineService } from './compose-pipeline.ts';
import { createBotnetStatsService } from '../services/botnet-stats.service.ts';
import { createBotnetStatsRepository } from '../db/repositories/botnet-stats.repository.ts';
import { createMalwareFamilyService } from '../services/malware-family.service.ts';
import { createMalwareFamiliesRepository } from '../db/repositories/malware-families.repository.ts';
import { createEventsQueryService } from '../services/events-query.service.ts';
import { createEventsQueryRepository } from '../db/repositories/events-query.repository.ts';
import { createRuleMatchService } from '../services/rule-match.service.ts';
import { createRuleMatchesRepository } from '../db/repositories/rule-matches.repository.ts';

/** Builds every service over one database. The only place that joins db/ to services/. */
export function composeServices(database: Database, config: Config, clock: Clock = systemClock): AppServices {
  const { db } = database;
  const directory = createDirectoryRepository(db);
  return {
    ping: () => database.ping(),
    ...composeMailServices(db, config, clock),
    mailIntake: composeMailProcessing(database, config, clock),
    botnetStats: createBotnetStatsService({
      botnets: createBotnetStatsRepository(db),
      timeZone: config.timeZone,
    }),
    malwareFamilies: createMalwareFamilyService({ families: createMalwareFamiliesRepository(db), clock }),
    events: createEventsQueryService({ events: createEventsQueryRepository(db), timeZone: config.timeZone }),
    ruleMatches: createRuleMatchService({ matches: createRuleMatchesRepository(db) }),
    pipeline: composePipelineService(database, config, clock),
    incidents: createIncidentService({
      incidents: createIncidentsRepository(db),
      audit: createAuditRepository(db),
      clock,
      config: { slaHours: config.slaHours },
    }),
    directory: createDirectoryService({
      directory,
      audit: createAuditRepository(db),
      clock,
    }),
    auth: createAuthService({
      repo: createAuthRepository(db),
      audit: createAuditRepository(db),
      clock,
      options: {
        sessionTtlHours: config.sessionTtlHours,
        loginPerWindow: config.rateLimits.loginPerWindow,
        windowSeconds: config.rateLimits.windowSeconds,
        defaultLanguage: config.language,
      },
    }),
    stats: createStatsService({ stats: createStatsRepository(db), timeZone: config.timeZone }),
    savedViews: createSavedViewService({
      views: createSavedViewsRepository(db),
      audit: createAuditRepository(db),
      clock,
    }),
    dashboard: createDashboardService({
      incidents: createIncidentsRepository(db),
      stats: createStatsService({ stats: createStatsRepository(db), timeZone: config.timeZone }),
      clock,
      timeZone: config.timeZone,
    }),
    imports: createImportService({
      imports: createIncidentImportRepository(database, {
        prepareModule: new URL('../services/import-prepare.ts', import.meta.url).href,
      }),
      loadBranches: () => directory.listBranches(),
      clock,
      timeZone: config.timeZone,
      slaHours: config.slaHours,
    }),
  };
}

/** Opens the configured database and brings its schema up to date. */
export async function openMigratedDatabase(config: Config, logger?: Logger): Promise<Database> {
  const database = openDatabase(resolveDatabase(config), {
    onIdleError: (err) => logger?.warn({ err }, 'idle database connection lost; it will be replaced'),
  });
  await migrateToLatest(database);
  return database;
}
