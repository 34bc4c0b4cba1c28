import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type Locator,
  type Page,
  type Response,
} from 'playwright-core';
import { loadConfig, type Config, type ConfigInput } from '../../src/config/config.ts';
import type { Role } from '../../src/core/auth/roles.ts';
import type { Database } from '../../src/db/database.ts';
import { composeServices, openMigratedDatabase } from '../../src/main/compose.ts';
import { startServer, type RunningServer } from '../../src/main/server.ts';
import type { AppServices } from '../../src/services/index.ts';
import type { UserRecord } from '../../src/services/ports.ts';
import { createTestUser, TEST_PASSWORD } from './factories.ts';

/** Debian's Chromium (apt-get install chromium). A browser is never downloaded. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** The flags the browser tests run Chromium with: headless, no sandbox (containers), no network chatter. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** The admin password the browser server is started with (CERTOPS_ADMIN_PASSWORD). */
export const BROWSER_ADMIN_PASSWORD = 'browser-admin-password-2007';

/**
 * Whether the browser suite can run. Chromium missing: the suite is skipped with this reason,
 * unless CERTOPS_TEST_REQUIRE_BROWSER=1 (npm run test:all), where its absence is an error.
 */
export function checkBrowser(): { available: true } | { available: false; reason: string } {
  if (existsSync(CHROMIUM_PATH)) return { available: true };
  const reason = `${CHROMIUM_PATH} not found (apt-get install chromium fonts-noto-cjk): browser tests skipped`;
  if (process.env.CERTOPS_TEST_REQUIRE_BROWSER === '1') {
    throw new Error(`CERTOPS_TEST_REQUIRE_BROWSER=1 but ${CHROMIUM_PATH} is missing`);
  }
  return { available: false, reason };
}

export interface BrowserHarness {
  /** `http://127.0.0.1:<port>` of the running server. */
  baseUrl: string;
  config: Config;
  /** Services over a second connection to the server's database (users, fixtures, assertions). */
  services: AppServices;
  browser: Browser;
  /** A temp directory for screenshots and other artefacts, removed by close(). */
  artefactsDir: string;
  /** A new user of the role with TEST_PASSWORD (branch_handler: of branchCode). */
  createUser(
    role: Role,
    options?: { branchCode?: string; username?: string; language?: 'zh-CN' | 'en' },
  ): Promise<UserRecord>;
  /** A fresh browser context (own cookies) and page, closed by close(). */
  newPage(): Promise<{ context: BrowserContext; page: Page }>;
  /** Signs in through the console login page in `page` and waits to leave it. */
  signIn(page: Page, username: string, password?: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real certops server (src/main/server.ts) on 127.0.0.1, port 0, over a temp SQLite database,
 * bootstrapped with the admin password, and Debian's Chromium. close() stops both and removes
 * the temp files.
 */
export async function startBrowserHarness(options: { config?: ConfigInput } = {}): Promise<BrowserHarness> {
  const dir = mkdtempSync(path.join(tmpdir(), 'certops-browser-'));
  const artefactsDir = path.join(dir, 'artefacts');
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch {
        // keep tearing down
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const config = loadConfig({
      env: { CERTOPS_ADMIN_PASSWORD: BROWSER_ADMIN_PASSWORD },
      overrides: {
        dataDir: path.join(dir, 'data'),
        logLevel: 'silent',
        ...options.config,
        http: { host: '127.0.0.1', port: 0, ...options.config?.http },
      },
    });
    const server: RunningServer = await startServer(config, pino({ level: 'silent' }));
    cleanups.push(() => server.close());
    const baseUrl = `http://127.0.0.1:${server.port}`;

    const database: Database = await openMigratedDatabase(config);
    cleanups.push(() => database.close());
    const services = composeServices(database, config);

    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    cleanups.push(() => browser.close());

    return {
      baseUrl,
      config,
      services,
      browser,
      artefactsDir,
      createUser: (role, o = {}) =>
        createTestUser(services, role, {
          ...(o.branchCode ? { branchCode: o.branchCode } : {}),
          ...(o.username ? { username: o.username } : {}),
          ...(o.language ? { language: o.language } : {}),
        }),
      async newPage() {
        const context = await browser.newContext({
          baseURL: baseUrl,
          locale: 'zh-CN',
          viewport: { width: 1280, height: 900 },
        });
        cleanups.push(() => context.close());
        const page = await context.newPage();
        return { context, page };
      },
      async signIn(page, username, password = TEST_PASSWORD) {
        await page.goto('/console/login');
        await page.locator('input[name="username"]').fill(username);
        await page.locator('input[name="password"]').fill(password);
        await clickAndWaitForPage(page, page.locator('form[action="/console/login"] button[type="submit"]'));
        if (new URL(page.url()).pathname.startsWith('/console/login'))
          throw new Error(`signing in as ${username} failed: still on ${page.url()}`);
      },
      close: cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/**
 * Clicks `target` and waits for the page it leads to (a full navigation, redirects followed, `load`
 * fired); returns the main response. A form post that redirects back to the same URL still waits.
 */
export async function clickAndWaitForPage(page: Page, target: Locator): Promise<Response | null> {
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), target.click()]);
  return response;
}

/** Is this file a PNG with something in it (signature, IHDR, non-zero size)? */
export function isNonEmptyPng(file: string): boolean {
  const b = readFileSync(file);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (b.length < 33 || !b.subarray(0, 8).equals(signature) || b.toString('ascii', 12, 16) !== 'IHDR')
    return false;
  return b.readUInt32BE(16) > 0 && b.readUInt32BE(20) > 0;
}
