import { readFileSync } from 'node:fs';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Config } from '../../config/config.ts';
import { t as translate, type Lang, type Translate } from '../../i18n/index.ts';
import type { AppEnv } from '../context.ts';

/** The message in the request's language (c.var.lang). */
export function t(c: Context<AppEnv>, key: string, params?: Record<string, string | number>): string {
  return translate(c.get('lang'), key, params);
}

/** A translator bound to the request's language. */
export function translatorFor(c: Context<AppEnv>): Translate {
  const lang = c.get('lang');
  return (key, params) => translate(lang, key, params);
}

/** A size for people: `10 MB`, `512 KB`, `900 B` (1024-based, as file managers show it). */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${+(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KB`;
  return `${n} B`;
}

/** An instant as `2007-06-30 16:00` in the configured time zone. */
export function formatInstant(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

/** The URL of the current page with `lang` set (the language switch). */
export function buildLangHref(path: string, search: string, lang: Lang): string {
  const params = new URLSearchParams(search);
  params.set('lang', lang);
  return `${path}?${params.toString()}`;
}

export interface PublicLayoutProps {
  title: string;
  lang: Lang;
  site: Config['site'];
  path: string;
  search: string;
  children?: Child;
}

const NAV = [
  { href: '/', key: 'public.nav.home' },
  { href: '/report', key: 'public.nav.report' },
  { href: '/status', key: 'public.nav.status' },
];

/** The public page frame: header with navigation and language switch, footer with the contacts. */
export function PublicLayout(props: PublicLayoutProps) {
  const tr = (key: string, params?: Record<string, string | number>) => translate(props.lang, key, params);
  const other: Lang = props.lang === 'en' ? 'zh-CN' : 'en';
  const { site } = props;
  const name = props.lang === 'en' ? site.nameEn : site.nameZh;
  return (
    <html lang={props.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{`${props.title} · ${site.shortName}`}</title>
        <link rel="stylesheet" href="/static/public.css" />
      </head>
      <body>
        <header class="site-header">
          <div class="inner">
            <a class="brand" href="/" title={name}>
              {site.shortName}
            </a>
            <nav aria-label={tr('public.nav.main')}>
              {NAV.map((n) => (
                <a
                  href={n.href}
                  class={
                    props.path === n.href || (n.href !== '/' && props.path.startsWith(`${n.href}/`))
                      ? 'active'
                      : undefined
                  }
                >
                  {tr(n.key)}
                </a>
              ))}
            </nav>
            <a class="lang-switch" href={buildLangHref(props.path, props.search, other)} hreflang={other}>
              {tr('lang.switch')}
            </a>
          </div>
        </header>
        <main>{props.children}</main>
        <footer class="site-footer">
          <div class="inner">
            <span>{name}</span>
            <a href={`mailto:${site.contactEmail}`}>{site.contactEmail}</a>
            {site.contactPhone ? (
              <span>
                {tr('public.home.how_phone')} {site.contactPhone}
              </span>
            ) : null}
            <a href="/.well-known/security.txt">{tr('public.footer.security_txt')}</a>
            <a href="/console/login">{tr('public.nav.console')}</a>
          </div>
        </footer>
      </body>
    </html>
  );
}

/** Renders a full public page; `no-store` keeps pages that carry a secret out of caches. */
export async function renderPublicPage(
  c: Context<AppEnv>,
  site: Config['site'],
  page: {
    title: string;
    body: Child;
    status?: ContentfulStatusCode;
    noStore?: boolean;
    headers?: Record<string, string>;
    /** The page the language switch leads to (default: this one). */
    langSwitchPath?: string;
  },
): Promise<Response> {
  const url = new URL(c.req.url);
  const html = await (
    <PublicLayout
      title={page.title}
      lang={c.get('lang')}
      site={site}
      path={page.langSwitchPath ?? url.pathname}
      search={page.langSwitchPath ? '' : url.search}
    >
      {page.body}
    </PublicLayout>
  ).toString();
  const headers: Record<string, string> = { 'content-language': c.get('lang'), ...page.headers };
  if (page.noStore) headers['cache-control'] = 'no-store';
  return c.html(`<!DOCTYPE html>${html}`, page.status ?? 200, headers);
}

/** Serves /static/public.css (read once at startup; CSP allows only same-origin styles and no script). */
export function registerPublicStatic(app: OpenAPIHono<AppEnv>): void {
  const css = readFileSync(new URL('./static/public.css', import.meta.url), 'utf8');
  app.get('/static/public.css', (c) =>
    c.body(css, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=3600' }),
  );
}
