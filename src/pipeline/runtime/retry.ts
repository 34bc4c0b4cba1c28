import { DomainError, notFound } from '../../core/shared/errors.ts';
import type { DeadLetterRecord } from '../../services/ports.ts';
import { createReportProcessor, type ProcessorDeps } from './report-processor.ts';

/**
 * Re-parses dead-letter lines (after a parser fix): the report is streamed again through the
 * feed's current parser and only the dead letters' lines are kept (a CSV line needs its header,
 * so lines are never parsed alone). Lines that now parse become events (deduplicated like any
 * other; the report's share is recorded so reprocessing stays exact) and their dead letters get
 * `retried_at`; lines that still fail keep their dead letter with the new error.
 */

export interface RetryResult {
  reports: number;
  retried: number;
  succeeded: number;
  stillFailing: number;
  eventsInserted: number;
}

export async function retryDeadLetters(
  deps: ProcessorDeps,
  target: { deadLetterId?: number; reportId?: number; feed?: string },
  workerId = 'retry',
): Promise<RetryResult> {
  const { pipeline } = deps;
  let letters: DeadLetterRecord[];
  if (target.deadLetterId !== undefined) {
    letters = await pipeline.listDeadLetters({ ids: [target.deadLetterId], includeRetried: true, limit: 1 });
    if (letters.length === 0) throw notFound(`dead letter ${target.deadLetterId}`);
    if (letters[0]!.retriedAt !== null)
      throw new DomainError(
        'conflict',
        `dead letter ${target.deadLetterId} was already retried successfully`,
      );
  } else {
    if (target.reportId !== undefined) await pipeline.getRawReport(target.reportId);
    letters = await pipeline.listDeadLetters({
      ...(target.reportId !== undefined ? { reportId: target.reportId } : {}),
      ...(target.feed !== undefined ? { feed: target.feed } : {}),
      limit: 1_000_000,
    });
  }
  const byReport = new Map<number, DeadLetterRecord[]>();
  for (const d of letters) {
    const list = byReport.get(d.rawReportId) ?? [];
    list.push(d);
    byReport.set(d.rawReportId, list);
  }
  const processor = createReportProcessor(deps);
  const result: RetryResult = {
    reports: 0,
    retried: letters.length,
    succeeded: 0,
    stillFailing: 0,
    eventsInserted: 0,
  };
  for (const [reportId, list] of byReport) {
    const report = await pipeline.getRawReport(reportId);
    if (report.state === 'processing' || report.state === 'pending' || report.state === 'receiving')
      throw new DomainError(
        'conflict',
        `raw report ${reportId} is ${report.state}; retry its dead letters once it is done`,
      );
    const byLine = new Map<number, DeadLetterRecord[]>();
    for (const d of list) byLine.set(d.line, [...(byLine.get(d.line) ?? []), d]);
    const okLines = new Set<number>();
    const errors = new Map<number, string>();
    const outcome = await processor.processClaimed(report, {
      workerId,
      onlyLines: new Set(byLine.keys()),
      onLineOutcome: (line, ok, error) => {
        if (ok) okLines.add(line);
        else errors.set(line, error ?? 'parse error');
      },
    });
    if (outcome.state === 'failed')
      throw new DomainError('invalid_input', `raw report ${reportId}: ${outcome.error}`);
    const succeeded: number[] = [];
    const failed: { id: number; error: string }[] = [];
    for (const [line, ds] of byLine) {
      for (const d of ds) {
        if (errors.has(line)) failed.push({ id: d.id, error: errors.get(line)! });
        else if (okLines.has(line)) succeeded.push(d.id);
        else failed.push({ id: d.id, error: 'the parser no longer yields this line' });
      }
    }
    await pipeline.markDeadLetters({ succeeded, failed });
    result.reports++;
    result.succeeded += succeeded.length;
    result.stillFailing += failed.length;
    result.eventsInserted += outcome.eventsInserted;
  }
  return result;
}
