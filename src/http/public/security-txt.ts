import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Config } from '../../config/config.ts';
import type { Clock } from '../../core/shared/clock.ts';
import type { AppEnv } from '../context.ts';
import { buildTelHref } from './home.pages.tsx';

/**
 * The RFC 9116 file: Contact (e-mail, then the hotline), Expires one year after `now`,
 * Encryption when a key is configured, Preferred-Languages and Canonical.
 */
export function buildSecurityTxt(config: Pick<Config, 'site' | 'http'>, now: Date): string {
  const { site } = config;
  const base = config.http.publicBaseUrl.replace(/\/+$/, '');
  const expires = new Date(now.getTime());
  expires.setUTCFullYear(expires.getUTCFullYear() + 1);
  const lines = [`Contact: mailto:${site.contactEmail}`];
  if (site.contactPhone) lines.push(`Contact: ${buildTelHref(site.contactPhone)}`);
  lines.push(`Expires: ${expires.toISOString().replace(/\.\d{3}Z$/, 'Z')}`);
  if (site.pgpKeyUrl) lines.push(`Encryption: ${site.pgpKeyUrl}`);
  lines.push('Preferred-Languages: zh, en');
  lines.push(`Canonical: ${base}/.well-known/security.txt`);
  return `${lines.join('\n')}\n`;
}

/** `/.well-known/security.txt` (and the legacy `/security.txt`, redirected). */
export function registerSecurityTxt(app: OpenAPIHono<AppEnv>, config: Config, clock: Clock): void {
  app.get('/.well-known/security.txt', (c) =>
    c.body(buildSecurityTxt(config, clock.now()), 200, {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'public, max-age=86400',
    }),
  );
  app.get('/security.txt', (c) => c.redirect('/.well-known/security.txt', 301));
}
