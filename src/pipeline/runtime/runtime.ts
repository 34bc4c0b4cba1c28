import { systemActor } from '../../core/auth/actor.ts';
import type { AppServices } from '../../services/index.ts';
import type { FeedsConfig } from '../config/feeds.config.ts';
import { createExpertChain } from '../experts/index.ts';
import type { ExpertChain, ExpertChainOptions } from '../experts/types.ts';
import { getParser, listParserIds } from '../parsers/index.ts';
import { createRuleEngine, type StoredEventRef } from '../rules/rule-engine.ts';
import type { FeedParser } from '../parsers/types.ts';
import { NO_EXPERTS, type ProcessorDeps } from './report-processor.ts';
import { retryDeadLetters, type RetryResult } from './retry.ts';
import { testLinesParser } from './test-parser.ts';
import { createPipelineWorker, type PipelineWorker, type WorkerOptions } from './worker.ts';

/**
 * The pipeline as the CLI, `serve` and workers run it: the feeds configuration, the parsers and
 * the expert chain (built from the directory once, rebuilt every `expertsRefreshSeconds` so a
 * long-running worker sees directory edits) over the pipeline service.
 */

export interface RuntimeOptions {
  /** With incidents, notifications and ruleMatches, the incident rules run after every batch. */
  services: Pick<AppServices, 'pipeline' | 'directory'> &
    Partial<Pick<AppServices, 'incidents' | 'notifications' | 'ruleMatches'>>;
  /** Incident rules after each batch (default: on when the services allow it). */
  rules?: boolean;
  /** Where rule failures go (they never undo a stored batch). */
  onRulesError?: (error: unknown) => void;
  feeds: () => FeedsConfig;
  batchSize?: number;
  /** `none`: no enrichment (tests, raw speed figures). */
  experts?: 'all' | 'none' | ExpertChainOptions;
  expertsRefreshSeconds?: number;
  /** Parser lookup (default: the registry, plus the runtime's `test-lines` parser). */
  resolveParser?: (id: string) => FeedParser;
}

export interface PipelineRuntime {
  deps: ProcessorDeps;
  createWorker(options?: Omit<WorkerOptions, keyof ProcessorDeps>): PipelineWorker;
  retry(target: { deadLetterId?: number; reportId?: number; feed?: string }): Promise<RetryResult>;
  /** Per-expert counters of the current chain (bench, console). */
  expertStats(): Record<string, Record<string, number>>;
}

/** The registered parsers, plus `test-lines` (runtime tests, benchmarks). */
export function resolveParserDefault(id: string): FeedParser {
  return id === testLinesParser.id ? testLinesParser : getParser(id);
}

/** Parser ids a feed may name: the registry's and `test-lines`. */
export function knownParserIds(): string[] {
  return [...listParserIds(), testLinesParser.id];
}

export function createPipelineRuntime(options: RuntimeOptions): PipelineRuntime {
  const refreshMs = (options.expertsRefreshSeconds ?? 600) * 1000;
  let chain: { at: number; chain: Promise<ExpertChain> } | null = null;
  let current: ExpertChain = NO_EXPERTS;

  async function buildChain(): Promise<ExpertChain> {
    if (options.experts === 'none') return NO_EXPERTS;
    const actor = systemActor('pipeline');
    const [branches, directory] = await Promise.all([
      options.services.directory.listBranches(actor),
      options.services.directory.getEnrichmentSnapshot(),
    ]);
    const c = await createExpertChain(
      { branches, directory },
      typeof options.experts === 'object' ? options.experts : {},
    );
    current = c;
    return c;
  }

  const experts = (): Promise<ExpertChain> => {
    const now = Date.now();
    if (!chain || now - chain.at > refreshMs) {
      const next = { at: now, chain: buildChain() };
      next.chain.catch(() => {
        if (chain === next) chain = null;
      });
      chain = next;
    }
    return chain.chain;
  };

  const { incidents, notifications, ruleMatches } = options.services;
  const engine =
    options.rules !== false && incidents && notifications && ruleMatches
      ? createRuleEngine({ services: { incidents, notifications, ruleMatches } })
      : null;

  const deps: ProcessorDeps = {
    pipeline: options.services.pipeline,
    ...(engine
      ? {
          afterBatch: (events: readonly StoredEventRef[]) => engine.applyRules(events),
          ...(options.onRulesError ? { onAfterBatchError: options.onRulesError } : {}),
        }
      : {}),
    feeds: options.feeds,
    resolveParser: options.resolveParser ?? resolveParserDefault,
    experts,
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
  };

  return {
    deps,
    createWorker: (o = {}) => createPipelineWorker({ ...deps, ...o }),
    retry: (target) => retryDeadLetters(deps, target),
    expertStats: () => current.stats(),
  };
}
