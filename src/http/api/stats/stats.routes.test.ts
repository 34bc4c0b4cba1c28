import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../../core/auth/actor.ts';
import type { IncidentStats } from '../../../core/stats/incident-stats.ts';
import { DIALECTS } from '../../../../test/support/db.ts';
import { createTestApp, type TestApp } from '../../../../test/support/app.ts';

const HISTORY = [
  {
    received_at: '2007-01-05',
    category: 'phishing',
    description: 'phish 1',
    state: 'resolved',
    resolved_at: '2007-01-09',
    branch: 'CN-XJ',
  },
  {
    received_at: '2007-02-05',
    category: 'phishing',
    description: 'phish 2',
    state: 'resolved',
    resolved_at: '2007-02-09',
    branch: 'CN-BJ',
  },
  { received_at: '2007-03-05', category: 'spam', description: 'spam', state: 'new', branch: 'CN-BJ' },
  { received_at: '2007-03-06', category: 'scanning', description: 'scan', branch: 'CN-XJ' },
  {
    received_at: '2007-04-05',
    category: 'dos',
    description: 'ddos',
    state: 'resolved',
    resolved_at: '2007-04-20',
    branch: 'CN-XJ',
    tlp: 'red',
  },
];

describe.each(DIALECTS)('statistics API and console on %s', (dialect) => {
  let h: TestApp;
  const period = 'from=2007-01-01&to=2007-06-30';

  beforeAll(async () => {
    h = await createTestApp(dialect);
    const r = await h.services.imports.importReports(
      systemActor('test'),
      (async function* () {
        let line = 2;
        for (const record of HISTORY) yield { line: line++, record };
      })(),
      { source: 'test' },
    );
    expect(r.reports).toBe(HISTORY.length);
  });
  afterAll(async () => {
    await h.destroy();
  });

  it('gives the API the same numbers as the service, for the whole constituency', async () => {
    const headers = await h.actorHeaders('national_handler');
    const res = await h.app.request(`/api/v1/stats/incidents?${period}`, { headers });
    expect(res.status).toBe(200);
    const body = (await res.json()) as IncidentStats;
    expect(body).toEqual(
      await h.services.stats.incidentStats(systemActor('check'), { from: '2007-01-01', to: '2007-06-30' }),
    );
    // the TLP:RED incident counts (numbers only): figures do not depend on who computes them
    expect(body.reportsReceivedNonScanning).toBe(4);
    expect(body.incidentsHandled).toBe(3);
    expect(body.reportsPerMonth.map((m) => m.count)).toEqual([1, 1, 1, 1, 0, 0]);
  });

  it('counts only the branch of a branch handler', async () => {
    const headers = await h.actorHeaders('branch_handler', 'CN-BJ');
    const body = (await (
      await h.app.request(`/api/v1/stats/incidents?${period}`, { headers })
    ).json()) as IncidentStats;
    expect(body.reportsReceivedNonScanning).toBe(2);
    expect(body.incidentsHandled).toBe(1);
    expect(body.branchesHandling.items.map((b) => b.key)).toEqual(['CN-BJ']);
  });

  it('answers bad periods with 400 naming the field, and roles without stats.read with 403', async () => {
    const headers = await h.actorHeaders('analyst');
    const bad = await h.app.request('/api/v1/stats/incidents?from=2007-1-1&to=2007-06-30', { headers });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { fields: { field: string }[] } }).error.fields[0]!.field).toBe(
      'from',
    );
    const reversed = await h.app.request('/api/v1/stats/incidents?from=2007-06-30&to=2007-01-01', {
      headers,
    });
    expect(reversed.status).toBe(400);
    const reporter = await h.actorHeaders('reporter');
    expect((await h.app.request(`/api/v1/stats/incidents?${period}`, { headers: reporter })).status).toBe(
      403,
    );
    expect((await h.app.request(`/api/v1/stats/incidents?${period}`)).status).toBe(401);
  });

  it('shows the same figures on the console page, in both languages', async () => {
    const session = await h.consoleSession('national_handler');
    const zh = await h.app.request(`/console/stats?${period}`, { headers: session.headers });
    expect(zh.status).toBe(200);
    const html = await zh.text();
    expect(html).toContain('<span data-stat="reports_received_non_scanning">4</span>');
    expect(html).toContain('接收非扫描类网络安全事件报告');
    expect(html).toContain('网络仿冒');
    const en = await (
      await h.app.request(`/console/stats?${period}&lang=en`, { headers: session.headers })
    ).text();
    expect(en).toContain('Non-scanning incident reports received');
    const bj = await h.consoleSession('branch_handler', 'CN-BJ');
    const bjHtml = await (await h.app.request(`/console/stats?${period}`, { headers: bj.headers })).text();
    expect(bjHtml).toContain('<span data-stat="reports_received_non_scanning">2</span>');
    const bad = await h.app.request('/console/stats?from=2007-02-30&to=2007-06-30', {
      headers: session.headers,
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('from: no such day');
  });

  it('drills down into the incident queue, within the reader’s scope', async () => {
    const national = await h.consoleSession('national_handler');
    const page = await (
      await h.app.request(`/console/stats?${period}`, { headers: national.headers })
    ).text();
    const drill =
      '/console/incidents?category=phishing&state=resolved&resolved_from=2007-01-01&resolved_to=2007-06-30';
    expect(page).toContain(`href="${drill.replaceAll('&', '&amp;')}"`);
    const all = await (await h.app.request(drill, { headers: national.headers })).text();
    expect(all).toContain('phish 1');
    expect(all).toContain('phish 2');

    const bj = await h.consoleSession('branch_handler', 'CN-BJ');
    const mine = await (await h.app.request(drill, { headers: bj.headers })).text();
    expect(mine).toContain('phish 2');
    expect(mine).not.toContain('phish 1');
    const tampered = await (await h.app.request(`${drill}&branch=CN-XJ`, { headers: bj.headers })).text();
    expect(tampered).not.toContain('phish 1');
    // resolved outside the period: not listed
    const later = await (
      await h.app.request(
        '/console/incidents?category=phishing&state=resolved&resolved_from=2007-02-01&resolved_to=2007-06-30',
        {
          headers: national.headers,
        },
      )
    ).text();
    expect(later).toContain('phish 2');
    expect(later).not.toContain('phish 1');
  });
});
