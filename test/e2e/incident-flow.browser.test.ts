import { randomBytes } from 'node:crypto';
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../src/core/auth/actor.ts';
import {
  checkBrowser,
  clickAndWaitForPage,
  isNonEmptyPng,
  startBrowserHarness,
  type BrowserHarness,
} from '../support/browser.ts';

const browserCheck = checkBrowser();
if (!browserCheck.available) console.warn(`incident-flow.browser.test.ts: ${browserCheck.reason}`);

/**
 * The whole life of a public report, through the real server and Debian's Chromium: the public
 * files a phishing report with the web form; a national handler triages it and hands it to the
 * Xinjiang branch; the branch handler asks a registrar to suspend the domain and resolves it; the
 * reporter's status link says so; a Beijing branch handler can neither open nor list it.
 */
describe.skipIf(!browserCheck.available)('incident flow in Chromium', () => {
  let h: BrowserHarness;
  const marker = randomBytes(4).toString('hex');
  const title = `Fake ICBC e-banking login page ${marker}`;
  const phishingUrl = `http://icbc-verify-${marker}.example.com/login.php`;
  let registrarName = '';
  let registrarAbbr = '';

  beforeAll(async () => {
    h = await startBrowserHarness();
    mkdirSync(h.artefactsDir, { recursive: true });
    registrarName = `Xinnet ${marker}`;
    registrarAbbr = `XINNET-${marker}`;
    await h.services.directory.createOrganisation(systemActor('e2e'), {
      kind: 'registrar',
      nameZh: `新网数码 ${marker}`,
      nameEn: registrarName,
      abbreviation: registrarAbbr,
    });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  /** Submits the POST form whose action ends with `actionSuffix` and waits for the page it leads to. */
  async function submitForm(page: Page, actionSuffix: string): Promise<void> {
    const form = page.locator(`form[method="post"][action$="${actionSuffix}"]`);
    const response = await clickAndWaitForPage(page, form.locator('button[type="submit"]'));
    expect(response?.status(), `after posting ${actionSuffix}`).toBe(200);
  }

  const text = async (page: Page, selector: string) =>
    ((await page.locator(selector).first().textContent()) ?? '').trim();

  it('carries a public phishing report from the web form to resolved, within branch scope', async () => {
    // 1. The public files a report through the form.
    const { page: publicPage } = await h.newPage();
    await publicPage.goto('/');
    await clickAndWaitForPage(publicPage, publicPage.getByRole('link', { name: '填写事件报告' }));
    expect(new URL(publicPage.url()).pathname).toBe('/report');
    await publicPage.locator('#f-category').selectOption('phishing');
    await publicPage.locator('#f-description').fill(`${title}\nThe page asks for card number and password.`);
    await publicPage.locator('#f-urls').fill(phishingUrl);
    await publicPage.locator('#f-email').fill('reporter@example.cn');
    const ack = await clickAndWaitForPage(publicPage, publicPage.getByRole('button', { name: '提交报告' }));
    expect(ack?.status()).toBe(200);
    expect(await text(publicPage, 'h1')).toBe('报告已收到');
    const trackingNumber = await text(publicPage, '#tracking-number');
    expect(trackingNumber).toMatch(/^\d{4}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
    const statusHref = (await publicPage.locator('#status-link').getAttribute('href')) ?? '';
    expect(statusHref).toMatch(new RegExp(`^/status/${trackingNumber}\\?s=[A-Za-z0-9_-]{32}$`));
    const ackShot = path.join(h.artefactsDir, 'ack.png');
    await publicPage.screenshot({ path: ackShot, fullPage: true });

    await publicPage.goto(statusHref);
    expect(await publicPage.locator('#report-state').getAttribute('data-state')).toBe('received');

    // 2. A national handler finds it in the queue, triages it and reassigns it to CN-XJ.
    const national = await h.createUser('national_handler');
    const { page: nationalPage } = await h.newPage();
    await h.signIn(nationalPage, national.username);
    await nationalPage.goto('/console/incidents');
    const queueLink = nationalPage.getByRole('link', { name: title, exact: true });
    expect(await queueLink.count()).toBe(1);
    await clickAndWaitForPage(nationalPage, queueLink);
    expect(new URL(nationalPage.url()).pathname).toMatch(/^\/console\/incidents\/\d+$/);
    const incidentPath = new URL(nationalPage.url()).pathname;
    const incidentId = Number(incidentPath.split('/').pop());

    await nationalPage.locator('form[action$="/state"] select[name="state"]').selectOption('triaged');
    await submitForm(nationalPage, '/state');
    expect((await h.services.incidents.getIncident(systemActor('e2e'), incidentId)).state).toBe('triaged');

    await nationalPage.locator('form[action$="/reassign"] select[name="branchCode"]').selectOption('CN-XJ');
    await nationalPage.locator('form[action$="/reassign"] input[name="note"]').fill('Hosted in Urumqi');
    await submitForm(nationalPage, '/reassign');
    expect((await h.services.incidents.getIncident(systemActor('e2e'), incidentId)).branchCode).toBe('CN-XJ');

    // 3. The Xinjiang branch handler records the registrar request and resolves it.
    const xj = await h.createUser('branch_handler', { branchCode: 'CN-XJ' });
    const { page: xjPage } = await h.newPage();
    await h.signIn(xjPage, xj.username);
    await xjPage.goto('/console/incidents');
    expect(await xjPage.getByRole('link', { name: title, exact: true }).count()).toBe(1);
    await xjPage.goto(incidentPath);
    expect(await text(xjPage, 'h1')).toContain(title);

    const orgSelect = xjPage.locator('select[name="counterpartOrgId"]');
    await xjPage.locator('input[name="orgq"][type="search"]').fill(registrarName);
    await xjPage.locator('input[name="orgq"][type="search"]').press('Enter');
    // Options read `name (ABBREVIATION)`, the name in the page's language.
    const registrarOption = orgSelect.locator('option', { hasText: registrarAbbr });
    // The search refreshes the select (htmx, or a reload of the page without it).
    await registrarOption.waitFor({ state: 'attached' });
    await orgSelect.selectOption({ value: (await registrarOption.getAttribute('value'))! });
    const actionForm = xjPage.locator('form[method="post"][action$="/actions"]');
    await actionForm.locator('select[name="kind"]').selectOption('request_domain_suspension');
    await actionForm.locator('input[name="counterpart"]').fill(`${registrarName} abuse desk`);
    await actionForm.locator('select[name="outcome"]').selectOption('success');
    await actionForm
      .locator('textarea[name="note"]')
      .fill(`Asked to suspend icbc-verify-${marker}.example.com`);
    await submitForm(xjPage, '/actions');

    await xjPage.locator('form[action$="/state"] select[name="state"]').selectOption('resolved');
    await submitForm(xjPage, '/state');
    const incidentShot = path.join(h.artefactsDir, 'incident.png');
    await xjPage.screenshot({ path: incidentShot, fullPage: true });

    const done = await h.services.incidents.getIncident(systemActor('e2e'), incidentId);
    expect(done.state).toBe('resolved');
    expect(done.branchCode).toBe('CN-XJ');
    expect(done.actions.map((a) => a.kind)).toEqual(
      expect.arrayContaining(['reassign_branch', 'request_domain_suspension']),
    );
    const suspension = done.actions.find((a) => a.kind === 'request_domain_suspension')!;
    expect(suspension).toMatchObject({
      branchCode: 'CN-XJ',
      outcome: 'success',
      counterpart: `${registrarName} abuse desk`,
    });
    expect(suspension.counterpartOrgId).not.toBeNull();
    expect(done.reports.map((r) => r.trackingNumber)).toEqual([trackingNumber]);

    // 4. The reporter's status link now says resolved.
    await publicPage.goto(statusHref);
    expect(await publicPage.locator('#report-state').getAttribute('data-state')).toBe('resolved');
    expect(await text(publicPage, '#report-state')).toBe('已处理完毕');

    // 5. A Beijing branch handler gets the 404 page for it and does not see it in the queue.
    const bj = await h.createUser('branch_handler', { branchCode: 'CN-BJ' });
    const { page: bjPage } = await h.newPage();
    await h.signIn(bjPage, bj.username);
    const denied = await bjPage.goto(incidentPath);
    expect(denied?.status()).toBe(404);
    expect(await text(bjPage, 'body')).not.toContain(title);
    const queue = await bjPage.goto('/console/incidents');
    expect(queue?.status()).toBe(200);
    expect(await bjPage.locator(`a[href="${incidentPath}"]`).count()).toBe(0);
    expect(await bjPage.content()).not.toContain(title);

    // The screenshots are real PNGs with pixels in them.
    for (const shot of [ackShot, incidentShot]) {
      expect(statSync(shot).size).toBeGreaterThan(1000);
      expect(isNonEmptyPng(shot)).toBe(true);
    }
  }, 180_000);
});
