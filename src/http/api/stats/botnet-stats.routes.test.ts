import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../../core/auth/actor.ts';
import type { BotnetStats } from '../../../core/stats/botnet-stats.ts';
import { DIALECTS } from '../../../../test/support/db.ts';
import { createTestApp, type TestApp } from '../../../../test/support/app.ts';
import { insertEvents } from '../../../../test/support/event-fixtures.ts';

describe.each(DIALECTS)('botnet statistics API and console on %s', (dialect) => {
  let h: TestApp;
  const period = 'from=2007-01-01&to=2007-06-30';

  beforeAll(async () => {
    h = await createTestApp(dialect);
    await insertEvents(h.database.db, [
      {
        type: 'c2-server',
        time: '2007-02-01T00:00:00.000Z',
        src: '198.51.100.1',
        srcCc: 'TW',
        srcPort: 8000,
        malware: 'huigezi',
      },
      {
        type: 'c2-server',
        time: '2007-02-01T00:00:00.000Z',
        src: '198.51.100.2',
        srcCc: 'HK',
        srcPort: 8000,
        malware: 'gh0st',
      },
      {
        type: 'infected-system',
        time: '2007-02-01T00:00:00.000Z',
        src: '10.0.0.1',
        srcCc: 'CN',
        srcBranch: 'CN-SH',
        dst: '198.51.100.1',
        dstCc: 'TW',
        dstPort: 8000,
        malware: '灰鸽子',
      },
      {
        type: 'infected-system',
        time: '2007-02-02T00:00:00.000Z',
        src: '10.0.0.2',
        srcCc: 'CN',
        srcBranch: 'CN-BJ',
        dst: '198.51.100.1',
        dstCc: 'TW',
        dstPort: 8000,
        malware: 'huigezi',
      },
      {
        type: 'infected-system',
        time: '2007-03-01T00:00:00.000Z',
        src: '10.0.0.3',
        srcCc: 'CN',
        srcBranch: 'CN-SH',
        dst: '192.0.2.66',
        dstCc: 'US',
        dstPort: 6667,
        malware: 'rbot',
      },
      {
        type: 'infected-system',
        time: '2006-03-01T00:00:00.000Z',
        src: '10.0.0.4',
        srcCc: 'CN',
        srcBranch: 'CN-SH',
        malware: 'rbot',
      },
    ]);
  });
  afterAll(async () => {
    await h.destroy();
  });

  it('answers the API with the service’s figures; previous year when there is data', async () => {
    const headers = await h.actorHeaders('analyst');
    const res = await h.app.request(`/api/v1/stats/botnets?${period}`, { headers });
    expect(res.status).toBe(200);
    const body = (await res.json()) as BotnetStats;
    expect(body).toEqual(
      await h.services.botnetStats.botnetStats(systemActor('t'), { from: '2007-01-01', to: '2007-06-30' }),
    );
    expect(body.byKind.trojan!.controllerIps).toEqual({ total: 2, mainland: 0, outsideMainland: 2 });
    expect(body.byKind.trojan!.controllersOutsideMainlandByRegion.items.map((i) => [i.key, i.count])).toEqual(
      [
        ['HK', 1],
        ['TW', 1],
      ],
    );
    expect(body.byKind.trojan!.botnetSizes.items[0]).toEqual({ bucket: '1-10', count: 1, share: 1 });
    expect(body.byKind.bot!.controlledIps).toEqual({ total: 1, mainland: 1 });
    expect(body.previousYearSamePeriod!.all!.controlledIps.total).toBe(1);

    const one = (await (
      await h.app.request(`/api/v1/stats/botnets?${period}&kind=bot`, { headers })
    ).json()) as BotnetStats;
    expect(one.kinds).toEqual(['bot']);
    expect(one.all).toBeNull();

    const spec = (await (await h.app.request('/api/openapi.json')).json()) as {
      paths: Record<string, unknown>;
    };
    expect(spec.paths['/api/v1/stats/botnets']).toBeDefined();
  });

  it('counts a branch handler’s branch only, and rejects bad input with the field named', async () => {
    const sh = await h.actorHeaders('branch_handler', 'CN-SH');
    const mine = (await (
      await h.app.request(`/api/v1/stats/botnets?${period}`, { headers: sh })
    ).json()) as BotnetStats;
    expect(mine.all!.controlledIps.total).toBe(2);
    expect(mine.all!.controlledMainlandByBranch.items.map((i) => i.key)).toEqual(['CN-SH']);

    const headers = await h.actorHeaders('analyst');
    const bad = await h.app.request(`/api/v1/stats/botnets?${period}&kind=rootkit`, { headers });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { fields: { field: string }[] } }).error.fields[0]!.field).toBe(
      'kind',
    );
    const reversed = await h.app.request('/api/v1/stats/botnets?from=2007-06-30&to=2007-01-01', { headers });
    expect(reversed.status).toBe(400);
    const reporter = await h.actorHeaders('reporter');
    expect((await h.app.request(`/api/v1/stats/botnets?${period}`, { headers: reporter })).status).toBe(403);
    expect((await h.app.request(`/api/v1/stats/botnets?${period}`)).status).toBe(401);
  });

  it('renders the console page per kind, in both languages, with last year beside', async () => {
    const session = await h.consoleSession('national_handler');
    const zh = await h.app.request(`/console/stats/botnets?${period}`, { headers: session.headers });
    expect(zh.status).toBe(200);
    const html = await zh.text();
    expect(html).toContain('<span data-stat="trojan.controller_ips">2</span>');
    expect(html).toContain('<span data-stat="all.controlled_ips">3</span>');
    expect(html).toContain('中国台湾 (TW)');
    expect(html).toContain('木马控制端 IP 地址总数');
    expect(html).toContain('2006-01-01 – 2006-06-30');
    const en = await (
      await h.app.request(`/console/stats/botnets?${period}&kind=trojan&lang=en`, {
        headers: session.headers,
      })
    ).text();
    expect(en).toContain('Hong Kong, China (HK)');
    expect(en).not.toContain('data-kind="bot"');
    const bad = await h.app.request('/console/stats/botnets?from=2007-02-30&to=2007-06-30', {
      headers: session.headers,
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('from: no such day');
  });
});
