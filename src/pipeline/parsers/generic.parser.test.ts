import { describe, expect, it } from 'vitest';
import { DomainError } from '../../core/shared/errors.ts';
import { genericCsvParser } from './generic-csv.parser.ts';
import { genericJsonParser } from './generic-json.parser.ts';
import { collect, events, failures, fromStrings, REPORT_TIME } from './lib/golden.testkit.ts';
import type { FeedParser } from './types.ts';

const run = (parser: FeedParser, text: string, options: Record<string, unknown>) =>
  collect(parser, fromStrings(text), {
    feedName: 'gen',
    fileName: 'feed.dat',
    reportTime: REPORT_TIME,
    options,
  });

describe('generic-csv parser', () => {
  it('maps named columns, applies defaults with their taxonomy, keeps rejected values in extra', async () => {
    const text = [
      '# exported 2026-03-01',
      'ip;port;seen;family;country;note',
      '192.0.2.10;8080;2026-03-01 10:00:00;Emotet;cn;first',
      '192.0.2.11;443;2026-03-01 11:00:00;;**;',
    ].join('\n');
    const outcomes = await run(genericCsvParser, text, {
      delimiter: ';',
      columns: {
        ip: 'source.ip',
        port: 'source.port',
        seen: 'time.source',
        family: 'malware.name',
        country: 'source.geolocation.cc',
        note: 'extra.note',
      },
      defaults: { 'classification.type': 'c2-server' },
      provider: 'Partner CERT',
    });
    expect(failures(outcomes)).toEqual([]);
    const [a, b] = events(outcomes);
    expect(a).toEqual({
      'feed.name': 'gen',
      'feed.provider': 'Partner CERT',
      'time.observation': REPORT_TIME,
      raw: '192.0.2.10;8080;2026-03-01 10:00:00;Emotet;cn;first',
      'classification.taxonomy': 'malicious-code',
      'classification.type': 'c2-server',
      'source.ip': '192.0.2.10',
      'source.port': 8080,
      'time.source': '2026-03-01T10:00:00.000Z',
      'malware.name': 'emotet',
      'source.geolocation.cc': 'CN',
      extra: { note: 'first' },
    });
    expect(b!.extra).toEqual({ country: '**' });
    expect(outcomes.map((o) => o.line)).toEqual([3, 4]);
  });

  it('maps by position without a header, with a time pattern in a local offset, skipping lines', async () => {
    const text =
      'garbage line\n203.0.113.5,01/03/2026 18:30,evil.example.cn,bad\n203.0.113.6,31/02/2026 18:30,x.cn,bad\n';
    const outcomes = await run(genericCsvParser, text, {
      header: false,
      skipLines: 1,
      columns: ['source.ip', 'time.source', 'source.fqdn', ''],
      timeFormat: 'DD/MM/YYYY HH:mm',
      utcOffset: '+08:00',
      defaults: { 'classification.type': 'phishing', 'classification.identifier': 'bank' },
      keepUnmapped: true,
    });
    expect(events(outcomes)[0]).toMatchObject({
      'time.source': '2026-03-01T10:30:00.000Z',
      'source.fqdn': 'evil.example.cn',
      'classification.taxonomy': 'fraud',
      'classification.identifier': 'bank',
      extra: { '3': 'bad' },
    });
    expect(failures(outcomes)).toEqual([
      expect.objectContaining({
        line: 3,
        error: 'time.source: "31/02/2026 18:30" is not a valid date and time',
      }),
    ]);
  });

  it('reads epoch times and numeric column indexes together with a header', async () => {
    const text = 'a,b\n1441008970,198.51.100.1\n';
    const outcomes = await run(genericCsvParser, text, {
      columns: { '0': 'time.source', b: 'destination.ip' },
      timeFormat: 'epoch',
    });
    expect(events(outcomes)[0]).toMatchObject({
      'time.source': '2015-08-31T08:16:10.000Z',
      'destination.ip': '198.51.100.1',
    });
  });

  it('refuses bad options with a message naming the option', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{}, 'generic-csv: option columns is required: an object mapping columns to event fields'],
      [
        { columns: { ip: 'source.ipp' } },
        'generic-csv: option columns["ip"] names unknown event field "source.ipp"',
      ],
      [
        { columns: { ip: 'source.ip' }, defaults: { 'classification.type': 'botnet drone' } },
        'is not an RSIT type',
      ],
      [{ columns: { ip: 'source.ip' }, delimiter: ';;' }, 'option delimiter must be one character'],
      [{ columns: { ip: 'source.ip' }, timeFormat: 'dd.mm' }, 'option timeFormat "dd.mm"'],
      [{ columns: { ip: 'source.ip' }, utcOffset: 'CST' }, 'option utcOffset must look like "+08:00"'],
      [
        { columns: { nope: 'source.ip' } },
        'mapped column "nope" is not in the header of "feed.dat" (columns: ip)',
      ],
    ];
    for (const [options, message] of cases) {
      const p = run(genericCsvParser, 'ip\n192.0.2.1\n', options);
      await expect(p).rejects.toBeInstanceOf(DomainError);
      await expect(run(genericCsvParser, 'ip\n192.0.2.1\n', options)).rejects.toThrow(message);
    }
  });
});

describe('generic-json parser', () => {
  const options = {
    columns: {
      addr: 'source.ip',
      'geo.cc': 'source.geolocation.cc',
      ts: 'time.source',
      'tags.0': 'malware.name',
      meta: 'extra.meta',
    },
    defaults: { 'classification.type': 'infected-system' },
  };

  it('reads a JSON array and JSON lines the same way, with dotted paths', async () => {
    const objects = [
      {
        addr: '192.0.2.1',
        geo: { cc: 'de' },
        ts: '2026-03-01T10:00:00+08:00',
        tags: ['Mirai'],
        meta: { a: 1 },
      },
      { addr: '2001:db8::2', ts: '2026-03-01 00:00:00', other: 1 },
    ];
    const fromArray = await run(genericJsonParser, JSON.stringify(objects, null, 2), options);
    const fromLines = await run(genericJsonParser, objects.map((o) => JSON.stringify(o)).join('\n'), options);
    expect(events(fromArray).map(({ raw: _r, ...e }) => e)).toEqual(
      events(fromLines).map(({ raw: _r, ...e }) => e),
    );
    expect(events(fromLines)[0]).toMatchObject({
      'source.ip': '192.0.2.1',
      'source.geolocation.cc': 'DE',
      'time.source': '2026-03-01T02:00:00.000Z',
      'malware.name': 'mirai',
      extra: { meta: { a: 1 } },
      'classification.taxonomy': 'malicious-code',
    });
    expect(events(fromLines)[1]!['source.ip']).toBe('2001:db8::2');
    expect(fromLines.map((o) => o.line)).toEqual([1, 2]);
  });

  it('turns a bad value or a non-object into a dead letter and goes on', async () => {
    const outcomes = await run(
      genericJsonParser,
      '{"addr":"999.1.1.1"}\n[1,2]\n{"addr":"192.0.2.9"}\n',
      options,
    );
    expect(failures(outcomes).map((f) => [f.line, f.error])).toEqual([
      [1, 'source.ip: "999.1.1.1" is not an IP address'],
      [2, 'record: expected a JSON object'],
    ]);
    expect(events(outcomes)).toHaveLength(1);
  });

  it('refuses a positional mapping', async () => {
    await expect(run(genericJsonParser, '{}', { columns: ['source.ip'] })).rejects.toThrow(
      'generic-json: option columns must be an object mapping JSON paths to event fields',
    );
  });
});
