import { describe, expect, it } from 'vitest';
import { newEvent } from '../../core/events/event.ts';
import { openphishParser } from './openphish.parser.ts';
import { collect, events, failures, fromStrings, goldenSuite, REPORT_TIME } from './lib/golden.testkit.ts';

const ctx = (fileName: string) => ({ feedName: 'f', fileName, reportTime: REPORT_TIME, options: {} });

goldenSuite(openphishParser, 'openphish', ['feed.txt']);

describe('openphish', () => {
  it('accepts URLs with an empty label, skips blanks, refuses text that is no URL', async () => {
    const outcomes = await collect(
      openphishParser,
      fromStrings('http://www..example.com/x\n\nhttps://Login.Example.org:8443/a?b\nnot a url\n'),
      ctx('feed.txt'),
    );
    expect(events(outcomes).map((e) => [e['source.url'], e['source.fqdn']])).toEqual([
      ['http://www..example.com/x', undefined],
      ['https://Login.Example.org:8443/a?b', 'login.example.org'],
    ]);
    expect(failures(outcomes)).toEqual([
      expect.objectContaining({ line: 4, error: 'source.url: "not a url" is not a URL' }),
    ]);
    // parsers built on baseEvent start from newEvent too: one shape for all events
    for (const e of events(outcomes)) expect(Object.keys(e)).toEqual(Object.keys(newEvent()));
  });
});
