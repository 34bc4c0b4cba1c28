import { describe, expect, it } from 'vitest';
import { DomainError } from '../../core/shared/errors.ts';
import { parsers } from '../../i18n/messages/parsers.ts';
import { getParser, listParserIds } from './index.ts';

describe('parser registry', () => {
  it('has the parsers feeds.yaml names', () => {
    expect(listParserIds()).toEqual([
      'bambenek-c2',
      'cymru-cap',
      'feodotracker',
      'generic-csv',
      'generic-json',
      'microsoft-ctip',
      'openphish',
      'phishtank',
      'shadowserver',
      'spamhaus-cert',
      'zone-h',
    ]);
    for (const id of listParserIds()) expect(getParser(id).id).toBe(id);
  });

  it('refuses an unknown id with the list of known ones', () => {
    expect(() => getParser('shadowservr')).toThrow(DomainError);
    expect(() => getParser('shadowservr')).toThrow(
      /unknown feed parser "shadowservr" \(known parsers: bambenek-c2, .*zone-h\)/,
    );
  });
});

describe('parser names for people', () => {
  it('every parser has a name and a description in both languages', () => {
    for (const lang of ['zh-CN', 'en'] as const)
      for (const id of listParserIds()) {
        expect(parsers[lang][`parsers.${id}.name`], `${lang} ${id}`).toBeTruthy();
        expect(parsers[lang][`parsers.${id}.description`], `${lang} ${id}`).toBeTruthy();
      }
  });
});
