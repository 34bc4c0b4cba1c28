/** What the pipeline's incident rules remember: one row per (rule, match key). */
export interface RuleMatchRecord {
  ruleId: string;
  matchKey: string;
  /** The event that first matched. */
  eventId: number;
  /** The incident opened for it (null: notify-only rule, or the claim is still being acted on). */
  incidentId: number | null;
  branchCode: string | null;
  createdAt: string;
  updatedAt: string;
  hits: number;
}

export interface RuleMatchesPort {
  /** Inserts the (rule, key) row unless it exists (concurrent workers: one wins); returns the row. */
  claim(row: {
    ruleId: string;
    matchKey: string;
    eventId: number;
    branchCode: string | null;
    at: string;
  }): Promise<{ inserted: boolean; record: RuleMatchRecord }>;
  /** Records the incident opened for a claimed row. */
  setIncident(ruleId: string, matchKey: string, incidentId: number, at: string): Promise<void>;
  /** Another matching event (or a replay): hits + 1. */
  touch(ruleId: string, matchKey: string, at: string): Promise<void>;
  /**
   * Takes a row over (its claim went stale, or its incident was closed) for a new event: succeeds
   * only when the row is unchanged since `expectedUpdatedAt`, so one worker wins.
   */
  retake(
    ruleId: string,
    matchKey: string,
    expectedUpdatedAt: string,
    eventId: number,
    at: string,
  ): Promise<boolean>;
  /** events.id by dedup key (the runtime knows keys, not ids, after a batch). */
  eventIdsByDedupKey(keys: readonly string[]): Promise<Map<string, number>>;
}
