import type { FeedEvent } from '../../core/events/event.ts';
import type { FeedParser, ParseOutcome } from '../parsers/types.ts';

/**
 * A minimal line parser for the runtime's own tests and bench smoke runs (id `test-lines`):
 * `time,source_ip,destination_ip,destination_port,malware` per line, `#` comments, a line that
 * does not have five fields or a valid time is a dead letter. Streams line by line.
 */
export const testLinesParser: FeedParser = {
  id: 'test-lines',
  async *parse(input) {
    let carry = '';
    let line = 0;
    let out: ParseOutcome[] = [];
    const handle = (text: string) => {
      line++;
      if (text === '' || text.startsWith('#')) return;
      const f = text.split(',');
      if (f.length !== 5 || Number.isNaN(Date.parse(f[0]!))) {
        out.push({ ok: false, line, raw: text, error: `expected 5 fields with a time, got ${f.length}` });
        return;
      }
      const event: FeedEvent = {
        'time.source': new Date(Date.parse(f[0]!)).toISOString(),
        'classification.taxonomy': 'malicious-code',
        'classification.type': 'infected-system',
        'source.ip': f[1]!,
        'destination.ip': f[2]!,
        'destination.port': Number(f[3]),
        'malware.name': f[4]!,
        raw: text,
      };
      out.push({ ok: true, line, event });
    };
    for await (const chunk of input) {
      const text = carry + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      const parts = text.split('\n');
      carry = parts.pop()!;
      for (const p of parts) {
        handle(p.replace(/\r$/, ''));
        if (out.length >= 1000) {
          yield out;
          out = [];
        }
      }
    }
    if (carry !== '') handle(carry);
    if (out.length > 0) yield out;
  },
};
