import { createReadStream, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getField, type FeedEvent } from '../../../core/events/event.ts';
import { corpusPath } from '../../../../test/support/corpus.ts';
import type { FeedParser, ParseContext, ParseOutcome } from '../types.ts';
import { BATCH_SIZE } from './outcomes.ts';

/** Test helpers for the golden tests on ../shared/corpus/feeds (only imported by *.test.ts). */

export const REPORT_TIME = '2026-01-01T00:00:00.000Z';

export function feedFile(folder: string, file: string): string {
  return corpusPath('feeds', folder, file);
}

export function loadExpected(folder: string): Record<string, any> {
  return JSON.parse(readFileSync(feedFile(folder, 'expected.json'), 'utf8'));
}

/** Runs a parser on a corpus file read in chunks of `chunkSize` bytes; checks batch sizes and order. */
export async function parseCorpus(
  parser: FeedParser,
  folder: string,
  file: string,
  options: Record<string, unknown> = {},
  chunkSize = 64 * 1024,
): Promise<ParseOutcome[]> {
  const ctx: ParseContext = { feedName: `test-${folder}`, fileName: file, reportTime: REPORT_TIME, options };
  return collect(parser, createReadStream(feedFile(folder, file), { highWaterMark: chunkSize }), ctx);
}

export async function collect(
  parser: FeedParser,
  input: AsyncIterable<Buffer | string>,
  ctx: ParseContext,
): Promise<ParseOutcome[]> {
  const all: ParseOutcome[] = [];
  for await (const batch of parser.parse(input, ctx)) {
    expect(batch.length).toBeGreaterThan(0);
    expect(batch.length).toBeLessThanOrEqual(BATCH_SIZE);
    all.push(...batch);
  }
  for (let i = 1; i < all.length; i++) expect(all[i]!.line).toBeGreaterThanOrEqual(all[i - 1]!.line);
  return all;
}

export async function* fromStrings(...parts: string[]): AsyncGenerator<string> {
  for (const p of parts) yield p;
}

export function events(outcomes: ParseOutcome[]): FeedEvent[] {
  return outcomes.flatMap((o) => (o.ok ? [o.event] : []));
}

export function failures(outcomes: ParseOutcome[]): Extract<ParseOutcome, { ok: false }>[] {
  return outcomes.flatMap((o) => (o.ok ? [] : [o]));
}

const META_KEYS = new Set(['row', 'file', 'note', 'botname']);
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * Asserts every field of an expected.json sample on `event`. Times are compared as instants
 * (expected.json writes IntelMQ's `+00:00` form, certops stores `…Z` ISO strings, checked too).
 */
export function expectSample(event: FeedEvent | undefined, sample: Record<string, unknown>): number {
  expect(event, `no event for sample ${JSON.stringify(sample)}`).toBeDefined();
  let checked = 0;
  for (const [key, expected] of Object.entries(sample)) {
    if (META_KEYS.has(key)) continue;
    const actual = getField(event!, key);
    if (key.startsWith('time.')) {
      expect(actual, key).toMatch(ISO);
      expect(Date.parse(actual as string), key).toBe(Date.parse(expected as string));
    } else {
      expect(actual, key).toEqual(expected);
    }
    checked++;
  }
  return checked;
}

/** Outcomes grouped by input record (one group per line that produced outcomes), in order. */
export function byRecord(outcomes: ParseOutcome[]): ParseOutcome[][] {
  const groups: ParseOutcome[][] = [];
  let last = -1;
  for (const o of outcomes) {
    if (o.line !== last) groups.push([]);
    groups[groups.length - 1]!.push(o);
    last = o.line;
  }
  return groups;
}

/** The first event of record `row` (1-based, counting records that produced outcomes). */
export function eventOfRow(outcomes: ParseOutcome[], row: number): FeedEvent | undefined {
  const o = byRecord(outcomes)[row - 1]?.[0];
  return o?.ok ? o.event : undefined;
}

/** Asserts every sample of expected.json that concerns `file` (or has no file) and returns how many fields. */
export function expectSamples(
  outcomes: ParseOutcome[],
  expected: Record<string, any>,
  file?: string,
): number {
  let checked = 0;
  for (const sample of expected.expected_samples as Record<string, unknown>[]) {
    if (sample.file !== undefined && sample.file !== file) continue;
    if (sample.row === undefined && Object.keys(sample).every((k) => META_KEYS.has(k))) continue;
    const event = sample.row === undefined ? events(outcomes)[0] : eventOfRow(outcomes, sample.row as number);
    checked += expectSample(event, sample);
  }
  return checked;
}

/** The count for `file` in an expected.json value that is a number or a per-file object. */
export function countFor(value: unknown, file: string): number {
  return typeof value === 'number' ? value : (value as Record<string, number>)[file]!;
}

/**
 * The golden test of a line or JSON feed: for each corpus file, record and event counts, every
 * sample field of expected.json, common fields, and the same outcomes with 4-byte chunks.
 */
export function goldenSuite(parser: FeedParser, folder: string, files: string[]): void {
  describe(`${parser.id} golden test on ${folder}`, () => {
    const expected = loadExpected(folder);
    for (const file of files) {
      it(`${file}: counts and every sample field of expected.json`, async () => {
        const outcomes = await parseCorpus(parser, folder, file);
        expect(failures(outcomes)).toEqual([]);
        expect(byRecord(outcomes).length).toBe(countFor(expected.data_rows, file));
        expect(events(outcomes).length).toBe(countFor(expected.expected_events, file));
        expect(expectSamples(outcomes, expected, file)).toBeGreaterThan(1);
        for (const e of events(outcomes)) {
          expect(e['classification.taxonomy']).toBeDefined();
          expect(e['time.observation']).toBe(REPORT_TIME);
          expect(e.raw).toBeTruthy();
        }
        expect(await parseCorpus(parser, folder, file, {}, 4)).toEqual(outcomes);
      });
    }
  });
}
