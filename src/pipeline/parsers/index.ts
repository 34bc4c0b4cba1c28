import { DomainError } from '../../core/shared/errors.ts';
import { bambenekC2Parser } from './bambenek-c2.parser.ts';
import { cymruCapParser } from './cymru-cap.parser.ts';
import { feodotrackerParser } from './feodotracker.parser.ts';
import { genericCsvParser } from './generic-csv.parser.ts';
import { genericJsonParser } from './generic-json.parser.ts';
import { microsoftCtipParser } from './microsoft-ctip.parser.ts';
import { openphishParser } from './openphish.parser.ts';
import { phishtankParser } from './phishtank.parser.ts';
import { shadowserverParser } from './shadowserver.parser.ts';
import { spamhausCertParser } from './spamhaus-cert.parser.ts';
import { zoneHParser } from './zone-h.parser.ts';
import type { FeedParser } from './types.ts';

export type { FeedParser, ParseContext, ParseOutcome } from './types.ts';

const PARSERS: ReadonlyMap<string, FeedParser> = new Map<string, FeedParser>(
  [
    shadowserverParser,
    cymruCapParser,
    spamhausCertParser,
    microsoftCtipParser,
    openphishParser,
    phishtankParser,
    zoneHParser,
    feodotrackerParser,
    bambenekC2Parser,
    genericCsvParser,
    genericJsonParser,
  ].map((p) => [p.id, p]),
);

/** The ids of every parser, for feed-config validation and `certops feeds list`. */
export function listParserIds(): string[] {
  return [...PARSERS.keys()].sort();
}

/** The parser registered under `id` (as written in feeds.yaml); throws a clear error for unknown ids. */
export function getParser(id: string): FeedParser {
  const parser = PARSERS.get(id);
  if (!parser)
    throw new DomainError(
      'invalid_input',
      `unknown feed parser "${id}" (known parsers: ${listParserIds().join(', ') || 'none'})`,
    );
  return parser;
}
