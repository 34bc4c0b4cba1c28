import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Config } from '../../config/config.ts';
import type { AppEnv } from '../context.ts';
import { renderPublicPage, t } from './layout.tsx';

/** `tel:` URI of a phone number as people write it (`+86 10 82990999` → `tel:+861082990999`). */
export function buildTelHref(phone: string): string {
  return `tel:${phone.replace(/[^\d+]/g, '')}`;
}

/** `/`: what the CERT is and every way to report to it. */
export function registerHomePage(app: OpenAPIHono<AppEnv>, config: Config): void {
  const { site } = config;
  app.get('/', (c) => {
    const name = c.get('lang') === 'en' ? site.nameEn : site.nameZh;
    return renderPublicPage(c, site, {
      title: t(c, 'public.home.title'),
      body: (
        <>
          <h1>{t(c, 'public.home.title')}</h1>
          <section class="panel">
            <h2>{t(c, 'public.home.about_title')}</h2>
            <p>{t(c, 'public.home.about', { name, short: site.shortName })}</p>
            <p>{t(c, 'public.home.duties')}</p>
          </section>
          <section class="panel" id="how-to-report">
            <h2>{t(c, 'public.home.how_title')}</h2>
            <p>
              {t(c, 'public.home.how_web')} <a href="/report">{t(c, 'public.home.how_web_link')}</a>
            </p>
            <dl class="contacts">
              <dt>{t(c, 'public.home.how_email')}</dt>
              <dd>
                <a href={`mailto:${site.contactEmail}`}>{site.contactEmail}</a>
              </dd>
              {site.contactPhone ? (
                <>
                  <dt>{t(c, 'public.home.how_phone')}</dt>
                  <dd>
                    <a href={buildTelHref(site.contactPhone)}>{site.contactPhone}</a>
                  </dd>
                </>
              ) : null}
              {site.contactPhoneEn ? (
                <>
                  <dt>{t(c, 'public.home.how_phone_en')}</dt>
                  <dd>
                    <a href={buildTelHref(site.contactPhoneEn)}>{site.contactPhoneEn}</a>
                  </dd>
                </>
              ) : null}
              {site.contactFax ? (
                <>
                  <dt>{t(c, 'public.home.how_fax')}</dt>
                  <dd>{site.contactFax}</dd>
                </>
              ) : null}
            </dl>
          </section>
          <section class="panel">
            <h2>{t(c, 'public.home.status_title')}</h2>
            <p>{t(c, 'public.home.status_text')}</p>
            <p>
              <a href="/status">{t(c, 'public.home.status_link')}</a>
            </p>
          </section>
        </>
      ),
    });
  });
}
