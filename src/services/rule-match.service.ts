import type { RuleMatchesPort } from './ports.ts';

/**
 * The pipeline incident rules' memory (src/pipeline/rules): which rule already acted on which key,
 * so re-applying rules (reprocessing, retries, two workers) never opens a second incident. System
 * use only: no actor, nothing here is shown to people.
 */
export type RuleMatchService = RuleMatchesPort;

export function createRuleMatchService(deps: { matches: RuleMatchesPort }): RuleMatchService {
  return deps.matches;
}
