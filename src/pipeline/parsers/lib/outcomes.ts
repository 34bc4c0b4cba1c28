import { newEvent, type FeedEvent } from '../../../core/events/event.ts';
import type { ParseOutcome } from '../types.ts';
import { DomainError } from '../../../core/shared/errors.ts';
import { describeError, hostOfUrl, normalizeFqdn, normalizeIp } from './values.ts';

/** Largest number of outcomes in one yielded array. */
export const BATCH_SIZE = 1000;

/** What a record handler returns: one event, several (fan-out, same line), or nothing (skip). */
export type HandlerResult = FeedEvent | FeedEvent[] | null;

/**
 * Turns a stream of record arrays into batches of outcomes. The handler reads one record; an
 * exception becomes one `{ok:false}` outcome with the record's line, text and the error message,
 * and the stream goes on. Records that already carry an `error` (broken CSV/JSON) are reported
 * without calling the handler. A DomainError from the handler is a problem with the whole report
 * (wrong report type, missing columns, bad options) and is rethrown.
 */
export async function* mapRecords<R extends { line: number; raw: string; error?: string }>(
  records: AsyncIterable<R[]>,
  handler: (record: R) => HandlerResult,
): AsyncGenerator<ParseOutcome[]> {
  let batch: ParseOutcome[] = [];
  for await (const chunk of records) {
    for (let k = 0; k < chunk.length; k++) {
      const r = chunk[k]!;
      if (r.error !== undefined) {
        batch.push({ ok: false, line: r.line, raw: r.raw, error: r.error });
      } else {
        try {
          const res = handler(r);
          if (res !== null) {
            if (Array.isArray(res)) for (const event of res) batch.push({ ok: true, line: r.line, event });
            else batch.push({ ok: true, line: r.line, event: res });
          }
        } catch (e) {
          // report-level problems (unknown report type, missing columns, bad options) stop the parse
          if (e instanceof DomainError) throw e;
          batch.push({ ok: false, line: r.line, raw: r.raw, error: describeError(e) });
        }
      }
      if (batch.length >= BATCH_SIZE) {
        if (batch.length === BATCH_SIZE) {
          yield batch;
          batch = [];
        } else {
          const rest = batch.slice(BATCH_SIZE);
          batch.length = BATCH_SIZE;
          yield batch;
          batch = rest;
        }
      }
    }
  }
  while (batch.length > BATCH_SIZE) {
    yield batch.slice(0, BATCH_SIZE);
    batch = batch.slice(BATCH_SIZE);
  }
  if (batch.length > 0) yield batch;
}

/** Fields every parser sets from the report context. */
export function baseEvent(feedName: string, reportTime: string, provider: string, raw: string): FeedEvent {
  const event = newEvent();
  event['feed.name'] = feedName;
  event['feed.provider'] = provider;
  event['time.observation'] = reportTime;
  event.raw = raw;
  return event;
}

/** Sets `classification.type` and its RSIT class as `classification.taxonomy`. */
export function classify(event: FeedEvent, type: string, taxonomy: string): void {
  event['classification.taxonomy'] = taxonomy;
  event['classification.type'] = type;
}

/** Adds `extra[key] = value`, creating `extra` on first use. */
export function addExtra(event: FeedEvent, key: string, value: unknown): void {
  if (event.extra === undefined) event.extra = {};
  event.extra[key] = value;
}

/** Sets `<side>.fqdn` or `<side>.ip` from the host of a URL, when it is a valid one. */
export function addHostOfUrl(event: FeedEvent, url: string, side: 'source' | 'destination'): void {
  const host = hostOfUrl(url);
  if (host === null) return;
  const ip = normalizeIp(host);
  if (ip !== null) {
    if (event[`${side}.ip`] === undefined) event[`${side}.ip`] = ip;
    return;
  }
  const fqdn = normalizeFqdn(host);
  if (fqdn !== null) event[`${side}.fqdn`] = fqdn;
}
