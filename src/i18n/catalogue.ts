export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Lang = (typeof LANGUAGES)[number];

/** One area's messages: the same keys in every language (a test holds them equal). */
export type Catalogue = Record<Lang, Record<string, string>>;

export function isLang(v: unknown): v is Lang {
  return v === 'zh-CN' || v === 'en';
}

/** Picks a language from `?lang=`, a cookie or Accept-Language, falling back to the default. */
export function negotiateLang(candidates: (string | null | undefined)[], fallback: Lang): Lang {
  for (const c of candidates) {
    if (!c) continue;
    if (isLang(c)) return c;
    const lower = c.toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return fallback;
}
