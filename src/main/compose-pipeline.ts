import type { Logger } from 'pino';
import { pipelineBatchSize, type Config } from '../config/config.ts';
import type { Clock } from '../core/shared/clock.ts';
import type { Database } from '../db/database.ts';
import { createAuditRepository } from '../db/repositories/audit.repository.ts';
import { createPipelineRepository } from '../db/repositories/pipeline.repository.ts';
import { createFeedsSource, resolveFeedsFile, type FeedsConfig } from '../pipeline/config/feeds.config.ts';
import { knownParserIds } from '../pipeline/runtime/runtime.ts';
import { createPipelineService, type PipelineService } from '../services/pipeline.service.ts';
import type { AppServices } from '../services/index.ts';
import { startPipelineLoop, type PipelineLoop } from '../pipeline/runtime/serve-loop.ts';

/** The feeds configuration of a Config (re-read when the file changes), one per file. */
const sources = new Map<string, () => FeedsConfig>();

export function feedsSourceOf(config: Config): () => FeedsConfig {
  const file = resolveFeedsFile(config);
  let source = sources.get(file);
  if (!source) {
    source = createFeedsSource(file, { parserIds: knownParserIds });
    sources.set(file, source);
  }
  return source;
}

/** The pipeline service over one database; known feeds come from the feeds file. */
export function composePipelineService(database: Database, config: Config, clock: Clock): PipelineService {
  const feeds = feedsSourceOf(config);
  return createPipelineService({
    store: createPipelineRepository(database),
    audit: createAuditRepository(database.db),
    clock,
    knownFeeds: () => feeds().names,
    leaseSeconds: config.pipeline.leaseSeconds,
  });
}

/** The pipeline loop inside `certops serve` (worker + collectors), when pipeline.inServe. */
export function startServePipeline(
  services: AppServices,
  config: Config,
  dialect: 'sqlite' | 'postgres',
  logger: Logger,
): PipelineLoop | null {
  if (!config.pipeline.inServe) return null;
  return startPipelineLoop({
    services,
    feeds: feedsSourceOf(config),
    batchSize: pipelineBatchSize(config),
    pollSeconds: config.pipeline.pollSeconds,
    singleWriter: dialect === 'sqlite',
    log: logger.child({ area: 'pipeline' }),
  });
}
