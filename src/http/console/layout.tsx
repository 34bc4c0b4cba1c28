import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Actor } from '../../core/auth/actor.ts';
import { can } from '../../core/auth/roles.ts';
import { t as translate, type Lang, type Translate } from '../../i18n/index.ts';
import type { AppEnv } from '../context.ts';

/** The message in the request's language (c.var.lang). */
export function t(c: Context<AppEnv>, key: string, params?: Record<string, string | number>): string {
  return translate(c.get('lang'), key, params);
}

/** A translator bound to the request's language, for components that take `t` as a prop. */
export function translatorFor(c: Context<AppEnv>): Translate {
  const lang = c.get('lang');
  return (key, params) => translate(lang, key, params);
}

/** The hidden `_csrf` field every console form that POSTs must carry. */
export function csrfField(c: Context<AppEnv>) {
  return <input type="hidden" name="_csrf" value={c.get('csrfToken') ?? ''} />;
}

/** The URL of the current page with `lang` set (the language switch). */
export function buildLangSwitchHref(path: string, search: string, lang: Lang): string {
  const params = new URLSearchParams(search);
  params.set('lang', lang);
  return `${path}?${params.toString()}`;
}

export interface LayoutProps {
  title: string;
  lang: Lang;
  actor: Actor | null;
  csrfToken: string | null;
  /** Current path and query string: marks the active nav entry, builds the language switch. */
  path: string;
  search: string;
  children?: Child;
}

const NAV: { href: string; key: string; show: (a: Actor) => boolean }[] = [
  { href: '/console/incidents', key: 'nav.incidents', show: (a) => can(a.role, 'incident.read') },
  { href: '/console/directory', key: 'nav.directory', show: (a) => can(a.role, 'directory.read') },
  {
    href: '/console/dashboard',
    key: 'nav.dashboard',
    show: (a) => can(a.role, 'stats.read') && can(a.role, 'incident.read'),
  },
  { href: '/console/stats', key: 'nav.stats', show: (a) => can(a.role, 'stats.read') },
  { href: '/console/pipeline/events', key: 'nav.events', show: (a) => can(a.role, 'incident.read') },
  { href: '/console/mail', key: 'mail.nav', show: (a) => can(a.role, 'incident.read') },
  { href: '/console/users', key: 'nav.users', show: (a) => can(a.role, 'user.manage') },
];

/** The console page frame: head, top navigation, language switch, user and sign-out. */
export function Layout(props: LayoutProps) {
  const tr = (key: string, params?: Record<string, string | number>) => translate(props.lang, key, params);
  const other: Lang = props.lang === 'en' ? 'zh-CN' : 'en';
  const { actor } = props;
  // htmx sends the CSRF token with every request it makes (hx-headers is inherited).
  const hxHeaders = props.csrfToken ? JSON.stringify({ 'X-CSRF-Token': props.csrfToken }) : undefined;
  return (
    <html lang={props.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · ${tr('app.short')}`}</title>
        <link rel="stylesheet" href="/console/static/console.css" />
        <script src="/console/static/htmx.min.js" defer></script>
      </head>
      <body hx-headers={hxHeaders}>
        <header class="topbar">
          <a class="brand" href="/console/incidents">
            {tr('app.name')}
          </a>
          {actor ? (
            <nav class="mainnav" aria-label={tr('auth.nav.main')}>
              {NAV.filter((n) => n.show(actor)).map((n) => (
                <a
                  href={n.href}
                  class={props.path === n.href || props.path.startsWith(`${n.href}/`) ? 'active' : undefined}
                >
                  {tr(n.key)}
                </a>
              ))}
            </nav>
          ) : null}
          <div class="usernav">
            <a
              class="lang-switch"
              href={buildLangSwitchHref(props.path, props.search, other)}
              hreflang={other}
            >
              {tr('lang.switch')}
            </a>
            {actor ? (
              <>
                <a class="me" href="/console/me/tokens" title={tr('auth.nav.account')}>
                  {actor.label}
                </a>
                <form method="post" action="/console/logout" class="inline">
                  <input type="hidden" name="_csrf" value={props.csrfToken ?? ''} />
                  <button type="submit" class="link">
                    {tr('nav.logout')}
                  </button>
                </form>
              </>
            ) : null}
          </div>
        </header>
        <main class="content">{props.children}</main>
      </body>
    </html>
  );
}

/** Renders a full console page inside the Layout for this request. */
export async function renderPage(
  c: Context<AppEnv>,
  page: { title: string; body: Child; status?: ContentfulStatusCode },
): Promise<Response> {
  const url = new URL(c.req.url);
  const html = await (
    <Layout
      title={page.title}
      lang={c.get('lang')}
      actor={c.get('actor')}
      csrfToken={c.get('csrfToken')}
      path={url.pathname}
      search={url.search}
    >
      {page.body}
    </Layout>
  ).toString();
  return c.html(`<!DOCTYPE html>${html}`, page.status ?? 200);
}
