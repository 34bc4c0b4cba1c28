import type { OpenAPIHono } from '@hono/zod-openapi';
import { createRateLimiter } from '../../core/auth/rate-limiter.ts';
import { systemClock } from '../../core/shared/clock.ts';
import type { AppDeps } from '../context.ts';
import type { AppEnv } from '../context.ts';
import { registerPublicNotFound } from './error-pages.tsx';
import { createFormTokens } from './form-token.ts';
import { registerHomePage } from './home.pages.tsx';
import { registerPublicStatic } from './layout.tsx';
import { registerReportPages } from './report.pages.tsx';
import { registerSecurityTxt } from './security-txt.ts';
import { registerStatusPages } from './status.pages.tsx';

/**
 * Mounts the public site under /: home, report form and acknowledgement, report status,
 * security.txt, its stylesheet, and HTML 404 pages for unknown public paths. No sign-in.
 */
export function registerPublic(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const { config, services, logger } = deps;
  const clock = systemClock;
  const tokens = createFormTokens({
    ...(config.site.formSecret ? { secret: config.site.formSecret } : {}),
    maxAgeMs: config.site.formMaxAgeHours * 3_600_000,
    clock,
  });
  // Per process, like the login limiter: each `certops serve` counts its own clients.
  const limiter = createRateLimiter({
    limit: config.rateLimits.publicReportsPerWindow,
    windowSeconds: config.rateLimits.windowSeconds,
    clock,
  });
  registerPublicNotFound(app, config.site);
  registerPublicStatic(app);
  registerHomePage(app, config);
  registerReportPages(app, { config, services, logger, tokens, limiter });
  registerStatusPages(app, { config, services });
  registerSecurityTxt(app, config, clock);
}
