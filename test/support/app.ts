import type { OpenAPIHono } from '@hono/zod-openapi';
import pino from 'pino';
import { loadConfig, type Config, type ConfigInput } from '../../src/config/config.ts';
import { systemActor } from '../../src/core/auth/actor.ts';
import type { Role } from '../../src/core/auth/roles.ts';
import { fixedClock } from '../../src/core/shared/clock.ts';
import type { Dialect } from '../../src/db/database.ts';
import { createApp } from '../../src/http/app.ts';
import type { AppEnv } from '../../src/http/context.ts';
import { bootstrap } from '../../src/main/bootstrap.ts';
import { composeServices } from '../../src/main/compose.ts';
import type { AppServices } from '../../src/services/index.ts';
import type { UserRecord } from '../../src/services/ports.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { createTestUser, TEST_PASSWORD } from './factories.ts';

/** The admin password the harness configures (bootstrap creates `admin` with it). */
export const TEST_ADMIN_PASSWORD = 'test-admin-password-2007';

export interface TestSession {
  /** `certops_session=…`: pass as the `cookie` header. */
  cookie: string;
  csrfToken: string;
  user: UserRecord;
  /** `{ cookie }` plus `x-csrf-token`, ready for `app.request(path, { headers })`. */
  headers: Record<string, string>;
}

export interface TestApp {
  app: OpenAPIHono<AppEnv>;
  services: AppServices;
  database: TestDatabase;
  config: Config;
  clock: ReturnType<typeof fixedClock>;
  destroy(): Promise<void>;
  /** A new user of the role (branch_handler: of branchCode, default CN-BJ) with an API token: `{ authorization }`. */
  actorHeaders(role: Role, branchCode?: string): Promise<Record<string, string>>;
  /** Like actorHeaders, also returning the user and the plaintext token. */
  createTokenActor(
    role: Role,
    branchCode?: string,
  ): Promise<{ user: UserRecord; token: string; headers: Record<string, string> }>;
  /** A new user of the role signed in through the session service: cookie + CSRF token for console requests. */
  consoleSession(role: Role, branchCode?: string): Promise<TestSession>;
}

export interface TestAppOptions {
  /** Configuration overrides (defaults otherwise; the environment is ignored). */
  config?: ConfigInput;
  /** Start time of the fixed clock; default 2007-06-30T08:00:00.000Z. */
  now?: string;
}

let ipCounter = 0;

/** A fresh app over a fresh migrated database of the dialect, bootstrapped, with branches seeded. */
export async function createTestApp(dialect: Dialect, opts: TestAppOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase(dialect);
  try {
    const config = loadConfig({
      env: {},
      overrides: { adminPassword: TEST_ADMIN_PASSWORD, logLevel: 'silent', ...(opts.config ?? {}) },
    });
    const clock = fixedClock(opts.now ?? '2007-06-30T08:00:00.000Z');
    const services = composeServices(database, config, clock);
    const logger = pino({ level: 'silent' });
    await bootstrap(services, config, logger);
    const app = createApp({ config, services, logger });

    const createTokenActor: TestApp['createTokenActor'] = async (role, branchCode) => {
      const user = await createTestUser(services, role, { branchCode: branchCode ?? null });
      const { token } = await services.auth.createToken(systemActor('test'), {
        userId: user.id,
        name: `test-${user.username}`,
      });
      return { user, token, headers: { authorization: `Bearer ${token}` } };
    };

    return {
      app,
      services,
      database,
      config,
      clock,
      destroy: () => database.destroy(),
      createTokenActor,
      actorHeaders: async (role, branchCode) => (await createTokenActor(role, branchCode)).headers,
      async consoleSession(role, branchCode) {
        const user = await createTestUser(services, role, { branchCode: branchCode ?? null });
        ipCounter += 1;
        const ip = `192.0.2.${ipCounter % 250}`;
        const s = await services.auth.login(user.username, TEST_PASSWORD, ip);
        const cookie = `certops_session=${s.cookieValue}`;
        return { cookie, csrfToken: s.csrfToken, user, headers: { cookie, 'x-csrf-token': s.csrfToken } };
      },
    };
  } catch (e) {
    await database.destroy();
    throw e;
  }
}
