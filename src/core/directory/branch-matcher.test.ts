import { describe, expect, it } from 'vitest';
import branchesData from './data/branches.json' with { type: 'json' };
import { createBranchMatcher } from './branch-matcher.ts';
import { DEFAULT_BRANCHES } from './defaults.ts';

const matcher = createBranchMatcher(DEFAULT_BRANCHES);

/** Upper-case pinyin with the suffix geo databases use for each kind of province. */
function pinyinForms(b: { code: string; name_zh: string; name_en: string; aliases: string[] }): string[] {
  const bases = [b.name_en, ...b.aliases].filter((n) => !/autonomous region/i.test(n));
  const suffix = b.name_zh.endsWith('省') ? 'SHENG' : b.name_zh.endsWith('市') ? 'SHI' : 'ZIZHIQU';
  return bases.map((n) => `${n.toUpperCase()} ${suffix}`);
}

describe('branch matcher', () => {
  it('finds every one of the 31 branches by each name form', () => {
    expect(branchesData.branches).toHaveLength(31);
    for (const b of branchesData.branches) {
      const forms = [
        b.name_zh,
        b.short_zh,
        b.name_en,
        b.name_en.toUpperCase(),
        b.name_en.toLowerCase(),
        ` ${b.name_en} `,
        b.code,
        ...b.aliases,
        ...b.aliases.map((a) => a.toUpperCase()),
        ...pinyinForms(b),
      ];
      for (const f of forms) expect(matcher.match(f), `${b.code} by "${f}"`).toBe(b.code);
    }
  });

  it('understands the spellings geo data uses', () => {
    expect(matcher.match('新疆维吾尔自治区')).toBe('CN-XJ');
    expect(matcher.match('新疆')).toBe('CN-XJ');
    expect(matcher.match('Xinjiang')).toBe('CN-XJ');
    expect(matcher.match('XINJIANG UYGUR ZIZHIQU')).toBe('CN-XJ');
    expect(matcher.match('Xinjiang Uyghur Autonomous Region')).toBe('CN-XJ');
    expect(matcher.match('HENAN SHENG')).toBe('CN-HA');
    expect(matcher.match('henan sheng')).toBe('CN-HA');
    expect(matcher.match('BEIJING SHI')).toBe('CN-BJ');
    expect(matcher.match('Bei Jing')).toBe('CN-BJ');
    expect(matcher.match('Nei Mongol')).toBe('CN-NM');
    expect(matcher.match('NEI MONGOL ZIZHIQU')).toBe('CN-NM');
    expect(matcher.match('内蒙古')).toBe('CN-NM');
    expect(matcher.match('内蒙古自治区')).toBe('CN-NM');
    expect(matcher.match('Inner Mongolia')).toBe('CN-NM');
    expect(matcher.match('GUANGXI ZHUANGZU ZIZHIQU')).toBe('CN-GX');
    expect(matcher.match('NINGXIA HUIZU ZIZHIQU')).toBe('CN-NX');
    expect(matcher.match('XIZANG ZIZHIQU')).toBe('CN-XZ');
    expect(matcher.match('Tibet')).toBe('CN-XZ');
    expect(matcher.match('Guangdong Province')).toBe('CN-GD');
    expect(matcher.match('Ｂｅｉｊｉｎｇ')).toBe('CN-BJ'); // full-width
    expect(matcher.match('CN-NATIONAL')).toBe('CN-NATIONAL');
  });

  it('keeps Shanxi and Shaanxi apart', () => {
    expect(matcher.match('SHANXI SHENG')).toBe('CN-SX');
    expect(matcher.match('SHAANXI SHENG')).toBe('CN-SN');
    expect(matcher.match('山西')).toBe('CN-SX');
    expect(matcher.match('陕西省')).toBe('CN-SN');
  });

  it('answers null for anything unknown', () => {
    for (const v of ['', '   ', 'Atlantis', 'Taiwan', '台湾', 'HENAN SHENGX', 'SHENG', null, undefined]) {
      expect(matcher.match(v), String(v)).toBeNull();
    }
  });

  it('finds the province a Chinese organisation name starts with', () => {
    expect(matcher.matchPrefix('上海交通大学计算机紧急响应组')).toBe('CN-SH');
    expect(matcher.matchPrefix('新疆大学校园网应急响应组')).toBe('CN-XJ');
    expect(matcher.matchPrefix('黑龙江省某公司')).toBe('CN-HL');
    expect(matcher.matchPrefix('西安安智科技有限公司')).toBeNull();
    expect(matcher.matchPrefix('')).toBeNull();
  });

  it('works for another country’s branch list', () => {
    const de = createBranchMatcher([
      {
        code: 'DE-BY',
        nameZh: '巴伐利亚州',
        shortZh: '巴伐利亚',
        nameEn: 'Bavaria',
        aliases: ['Bayern', 'Freistaat Bayern'],
      },
      { code: 'DE-BE', nameZh: '柏林', shortZh: '柏林', nameEn: 'Berlin', aliases: [] },
    ]);
    expect(de.match('BAYERN')).toBe('DE-BY');
    expect(de.match('freistaat bayern')).toBe('DE-BY');
    expect(de.match('Berlin')).toBe('DE-BE');
    expect(de.match('Xinjiang')).toBeNull();
  });

  it('is a map lookup: 100k matches well under a second', () => {
    const names = ['HENAN SHENG', '新疆', 'Xinjiang', 'nowhere', 'Beijing Shi'];
    const started = performance.now();
    for (let i = 0; i < 100_000; i++) matcher.match(names[i % names.length]);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
