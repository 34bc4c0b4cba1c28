import { describe, expect, it } from 'vitest';
import { CATALOGUES, negotiateLang, t } from './index.ts';

describe('i18n', () => {
  it('has every key in both languages, non-empty, in every catalogue', () => {
    for (const [area, cat] of Object.entries(CATALOGUES)) {
      const zh = Object.keys(cat['zh-CN']).sort();
      const en = Object.keys(cat.en).sort();
      expect(en, `catalogue ${area}`).toEqual(zh);
      for (const lang of ['zh-CN', 'en'] as const) {
        for (const [k, v] of Object.entries(cat[lang])) expect(v.trim(), `${area} ${lang} ${k}`).not.toBe('');
      }
    }
  });

  it('never defines one key in two catalogues', () => {
    const seen = new Map<string, string>();
    for (const [area, cat] of Object.entries(CATALOGUES)) {
      for (const k of Object.keys(cat['zh-CN'])) {
        expect(seen.get(k), `key ${k} in ${area}`).toBeUndefined();
        seen.set(k, area);
      }
    }
  });

  it('fills placeholders and negotiates the language', () => {
    expect(t('en', 'common.total', { count: 3 })).toBe('3 in all');
    expect(t('zh-CN', 'common.total', { count: 3 })).toBe('共 3 条');
    expect(negotiateLang([null, 'en-US,en;q=0.9'], 'zh-CN')).toBe('en');
    expect(negotiateLang([undefined, 'fr'], 'zh-CN')).toBe('zh-CN');
    expect(negotiateLang(['zh-TW'], 'en')).toBe('zh-CN');
  });
});
