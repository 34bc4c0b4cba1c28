import type { FeedEvent } from '../../core/events/event.ts';
import { addHostOfUrl, baseEvent, classify, mapRecords } from './lib/outcomes.ts';
import { readLinesAsRecords } from './lib/text-input.ts';
import { FieldError, normalizeUrl, quote } from './lib/values.ts';
import type { FeedParser } from './types.ts';

/** OpenPhish feed: one phishing URL per line → source.url (+ source.fqdn / source.ip from its host). */
export const openphishParser: FeedParser = {
  id: 'openphish',
  parse(input, ctx) {
    return mapRecords(readLinesAsRecords(input), (r): FeedEvent | null => {
      const text = r.raw.trim();
      if (text === '' || text.startsWith('#')) return null;
      const url = normalizeUrl(text);
      if (url === null) throw new FieldError('source.url', `${quote(text)} is not a URL`);
      const event = baseEvent(ctx.feedName, ctx.reportTime, 'OpenPhish', r.raw);
      event['source.url'] = url;
      addHostOfUrl(event, url, 'source');
      classify(event, 'phishing', 'fraud');
      return event;
    });
  },
};
