import type { Catalogue, Lang } from './catalogue.ts';
import { auth } from './messages/auth.ts';
import { botnets } from './messages/botnets.ts';
import { events } from './messages/events.ts';
import { common } from './messages/common.ts';
import { consoleIncidents } from './messages/console-incidents.ts';
import { directory } from './messages/directory.ts';
import { incidents } from './messages/incidents.ts';
import { mail } from './messages/mail.ts';
import { mailFormats } from './messages/mail-formats.ts';
import { publicSite } from './messages/public.ts';
import { pipeline } from './messages/pipeline.ts';
import { parsers } from './messages/parsers.ts';
import { stats } from './messages/stats.ts';
import { notify } from './messages/notify.ts';
import { cli } from './messages/cli.ts';

export { LANGUAGES, isLang, negotiateLang, type Catalogue, type Lang } from './catalogue.ts';

/** Every area's catalogue. An area adds its file under messages/ and one entry here. */
export const CATALOGUES: Record<string, Catalogue> = {
  auth,
  botnets,
  events,
  common,
  'console-incidents': consoleIncidents,
  directory,
  incidents,
  mail,
  'mail-formats': mailFormats,
  public: publicSite,
  pipeline,
  parsers,
  stats,
  notify,
  cli,
};

const merged: Record<Lang, Map<string, string>> = { 'zh-CN': new Map(), en: new Map() };
for (const cat of Object.values(CATALOGUES)) {
  for (const lang of ['zh-CN', 'en'] as const) {
    for (const [k, v] of Object.entries(cat[lang])) merged[lang].set(k, v);
  }
}

export type Translate = (key: string, params?: Record<string, string | number>) => string;

/** Looks a message up; `{name}` placeholders are replaced. A missing key shows as the key itself. */
export function t(lang: Lang, key: string, params?: Record<string, string | number>): string {
  const text = merged[lang].get(key) ?? merged['zh-CN'].get(key) ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

export function translator(lang: Lang): Translate {
  return (key, params) => t(lang, key, params);
}

export function hasMessage(key: string): boolean {
  return merged['zh-CN'].has(key) && merged.en.has(key);
}
