import type { Branch } from './directory.ts';

/** What the matcher needs of a branch. */
export type MatchableBranch = Pick<Branch, 'code' | 'nameZh' | 'nameEn' | 'shortZh' | 'aliases'>;

export interface BranchMatcher {
  /**
   * The branch code for a place name in any of its forms: name_zh (`新疆维吾尔自治区`), short_zh
   * (`新疆`), name_en (`Xinjiang`), an alias, the code (`CN-XJ`), or upper-case pinyin with an
   * administrative suffix (`HENAN SHENG`, `BEIJING SHI`, `XINJIANG UYGUR ZIZHIQU`); case, spaces,
   * hyphens and dots do not matter. Unknown → null. One Map lookup.
   */
  match(name: string | null | undefined): string | null;
  /**
   * The branch whose Chinese name (full or short) starts `text`, longest first
   * (`上海交通大学…` → CN-SH); null when none does.
   */
  matchPrefix(text: string | null | undefined): string | null;
}

/** Administrative suffixes in pinyin and English that geo data appends to a province name. */
const ETHNIC = ['', 'uygur', 'uyghur', 'weiwuer', 'zhuang', 'zhuangzu', 'hui', 'huizu', 'zang', 'zangzu'];
const LATIN_SUFFIXES = [
  'sheng',
  'shi',
  'province',
  'municipality',
  'city',
  ...ETHNIC.flatMap((e) => [`${e}zizhiqu`, `${e}autonomousregion`]),
];
const ZH_SUFFIXES = ['省', '市', '自治区'];

/** Case-, width-, space- and punctuation-insensitive form of a name. */
export function normaliseBranchName(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\-_.·,'’()（）]+/g, '');
}

const HAS_LATIN = /[a-z]/;

export function createBranchMatcher(branches: readonly MatchableBranch[]): BranchMatcher {
  const exact = new Map<string, string>();
  const zhNames = new Map<string, string>();
  let longestZh = 0;

  const put = (map: Map<string, string>, key: string, code: string) => {
    if (key !== '' && !map.has(key)) map.set(key, code);
  };

  // Explicit names first: a generated variant never shadows a name some branch really has.
  for (const b of branches) {
    for (const n of [b.code, b.nameZh, b.shortZh, b.nameEn, ...b.aliases])
      put(exact, normaliseBranchName(n), b.code);
  }
  for (const b of branches) {
    for (const n of [b.nameEn, ...b.aliases]) {
      const base = normaliseBranchName(n);
      if (!HAS_LATIN.test(base)) continue;
      for (const s of LATIN_SUFFIXES) put(exact, base + s, b.code);
    }
    for (const n of [b.shortZh, b.nameZh]) {
      const base = normaliseBranchName(n);
      if (base === '' || HAS_LATIN.test(base)) continue;
      for (const s of ZH_SUFFIXES) put(exact, base + s, b.code);
      put(zhNames, base, b.code);
      longestZh = Math.max(longestZh, base.length);
    }
  }

  return {
    match(name) {
      if (!name) return null;
      return exact.get(normaliseBranchName(name)) ?? null;
    },
    matchPrefix(text) {
      if (!text) return null;
      const s = normaliseBranchName(text);
      for (let len = Math.min(longestZh, s.length); len >= 2; len--) {
        const code = zhNames.get(s.slice(0, len));
        if (code) return code;
      }
      return null;
    },
  };
}
