import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../core/auth/actor.ts';
import type { FeedEvent } from '../../core/events/event.ts';
import { DIALECTS } from '../../../test/support/db.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { insertEvents, type EventFixture } from '../../../test/support/event-fixtures.ts';
import { createRuleEngine, type RuleEngine, type StoredEventRef } from './rule-engine.ts';
import { matchRule, parseIncidentRules, DEFAULT_INCIDENT_RULES } from './rules.ts';

/** Stores the fixture like the pipeline would and returns the refs the runtime passes. */
async function store(
  h: TestApp,
  fixtures: (EventFixture & { event: FeedEvent })[],
): Promise<StoredEventRef[]> {
  const keyed = fixtures.map((f, i) => ({
    ...f,
    dedupKey: f.dedupKey ?? `rules-${Date.now()}-${Math.random()}-${i}`,
  }));
  await insertEvents(h.database.db, keyed);
  return keyed.map((f) => ({ dedupKey: f.dedupKey, event: f.event }));
}

function phishing(
  url: string,
  branch: string | null,
  contact = 'abuse@isp-bj.example',
): EventFixture & { event: FeedEvent } {
  const host = new URL(url).hostname;
  return {
    type: 'phishing',
    time: '2007-03-01T00:00:00.000Z',
    src: '10.20.30.40',
    srcBranch: branch,
    url,
    fqdn: host,
    feed: 'phishtank',
    event: {
      'feed.name': 'phishtank',
      'classification.taxonomy': 'fraud',
      'classification.type': 'phishing',
      'time.source': '2007-03-01T00:00:00.000Z',
      'source.ip': '10.20.30.40',
      'source.url': url,
      'source.fqdn': host,
      ...(branch ? { 'source.branch': branch } : {}),
      'source.abuse_contact': contact,
      'source.org_id': undefined,
    },
  };
}

describe.each(DIALECTS)('incident rules on %s', (dialect) => {
  let h: TestApp;
  let engine: RuleEngine;
  const sys = systemActor('test');
  const incidentsFor = async (text: string) =>
    (await h.services.incidents.searchIncidents(sys, { text, limit: 50 })).items;
  const notifications = async () =>
    (await h.database.db.selectFrom('notification_items').selectAll().orderBy('id').execute()).map((n) => ({
      recipient: n.recipient,
      refId: Number(n.ref_id),
      type: n.classification_type,
    }));

  beforeAll(async () => {
    h = await createTestApp(dialect);
    engine = createRuleEngine({ services: h.services, clock: h.clock });
  });
  afterAll(async () => {
    await h.destroy();
  });

  it('opens one phishing incident per URL for the branch and notifies the owner once per event', async () => {
    const refs = await store(h, [
      phishing('http://bank-login.example.cn/a', 'CN-BJ'),
      phishing('http://bank-login.example.cn/a', 'CN-BJ'),
    ]);
    const r = await engine.applyRules(refs);
    expect(r).toMatchObject({
      matched: 2,
      incidentsOpened: 1,
      repeats: 1,
      notificationsQueued: 2,
      errors: [],
    });
    const found = await incidentsFor('bank-login.example.cn');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ category: 'phishing', branchCode: 'CN-BJ' });
    const detail = await h.services.incidents.getIncident(sys, found[0]!.id);
    expect(detail.reports[0]!.channel).toBe('feed');
    expect(detail.observables.map((o) => o.value)).toContain('http://bank-login.example.cn/a');

    // the same batch again (reprocess, retry): nothing new
    const again = await engine.applyRules(refs);
    expect(again).toMatchObject({ incidentsOpened: 0, notificationsQueued: 0, notificationDuplicates: 2 });
    expect(await incidentsFor('bank-login.example.cn')).toHaveLength(1);
    const n = await notifications();
    expect(n.filter((x) => x.recipient === 'abuse@isp-bj.example')).toHaveLength(2);
    expect(n[0]!.type).toBe('fraud/phishing');
  });

  it('opens a new incident for a URL seen again after its incident was resolved', async () => {
    const first = await store(h, [phishing('http://again.example.cn/x', 'CN-SH')]);
    await engine.applyRules(first);
    const [inc] = await incidentsFor('again.example.cn');
    for (const state of ['triaged', 'resolved'] as const)
      await h.services.incidents.changeState(sys, inc!.id, { state, note: 'taken down' });
    const later = await store(h, [phishing('http://again.example.cn/x', 'CN-SH')]);
    expect((await engine.applyRules(later)).incidentsOpened).toBe(1);
    expect(await incidentsFor('again.example.cn')).toHaveLength(2);
  });

  it('leaves phishing hosted outside the constituency alone, and opens a defacement incident for .gov.cn', async () => {
    const abroad = await store(h, [phishing('http://elsewhere.example.com/', null)]);
    expect((await engine.applyRules(abroad)).matched).toBe(0);
    const gov = await store(h, [
      {
        type: 'defacement',
        time: '2007-03-02T00:00:00.000Z',
        fqdn: 'www.example.gov.cn',
        url: 'http://www.example.gov.cn/',
        srcBranch: 'CN-XJ',
        feed: 'zone-h',
        event: {
          'feed.name': 'zone-h',
          'classification.taxonomy': 'information-content-security',
          'classification.type': 'defacement',
          'source.fqdn': 'www.example.gov.cn',
          'source.url': 'http://www.example.gov.cn/',
          'source.branch': 'CN-XJ',
        },
      },
      {
        type: 'defacement',
        time: '2007-03-02T00:00:00.000Z',
        fqdn: 'shop.example.com.cn',
        feed: 'zone-h',
        event: {
          'feed.name': 'zone-h',
          'classification.type': 'defacement',
          'source.fqdn': 'shop.example.com.cn',
          'source.branch': 'CN-XJ',
        },
      },
    ]);
    const r = await engine.applyRules(gov);
    expect(r).toMatchObject({ matched: 1, incidentsOpened: 1 });
    const [inc] = await incidentsFor('www.example.gov.cn');
    expect(inc).toMatchObject({ category: 'defacement', branchCode: 'CN-XJ', severity: 'high' });
  });

  it('only notifies for infected systems in the constituency, once per event', async () => {
    const before = (await notifications()).length;
    const refs = await store(h, [
      {
        type: 'infected-system',
        time: '2007-03-03T00:00:00.000Z',
        src: '10.9.8.7',
        srcBranch: 'CN-GD',
        malware: 'sdbot',
        event: {
          'feed.name': 'sinkhole',
          'classification.taxonomy': 'malicious-code',
          'classification.type': 'infected-system',
          'source.ip': '10.9.8.7',
          'source.branch': 'CN-GD',
          'source.abuse_contact': 'Abuse@GD-ISP.example',
          'malware.name': 'sdbot',
        },
      },
      {
        type: 'infected-system',
        time: '2007-03-03T00:00:00.000Z',
        src: '10.9.8.6',
        srcBranch: 'CN-GD',
        event: {
          'feed.name': 'sinkhole',
          'classification.type': 'infected-system',
          'source.ip': '10.9.8.6',
          'source.branch': 'CN-GD',
        },
      },
    ]);
    const r = await engine.applyRules(refs);
    expect(r).toMatchObject({ matched: 2, incidentsOpened: 0, notificationsQueued: 1 });
    const n = (await notifications()).slice(before);
    expect(n).toEqual([
      {
        recipient: 'abuse@gd-isp.example',
        refId: expect.any(Number),
        type: 'malicious-code/infected-system',
      },
    ]);
    const row = await h.database.db
      .selectFrom('events')
      .select('dedup_key')
      .where('id', '=', n[0]!.refId)
      .executeTakeFirstOrThrow();
    expect(row.dedup_key).toBe(refs[0]!.dedupKey);
    expect(await incidentsFor('10.9.8.7')).toHaveLength(0);
  });

  it('looks up no event ids for matches that act on nothing (a notify rule, no contact)', async () => {
    let lookups = 0;
    const counting = createRuleEngine({
      services: {
        ...h.services,
        ruleMatches: {
          ...h.services.ruleMatches,
          eventIdsByDedupKey: (keys: string[]) => {
            lookups += keys.length;
            return h.services.ruleMatches.eventIdsByDedupKey(keys);
          },
        },
      },
      clock: h.clock,
    });
    const before = (await notifications()).length;
    // infected hosts in the constituency whose owners are not in the directory; not even stored:
    // had they needed an id, each would come back as an error
    const refs: StoredEventRef[] = Array.from({ length: 3 }, (_, i) => ({
      dedupKey: `no-contact-${i}`,
      event: {
        'feed.name': 'sinkhole',
        'classification.type': 'infected-system',
        'source.ip': `10.9.7.${i}`,
        'source.branch': 'CN-GD',
      },
    }));
    const r = await counting.applyRules(refs);
    expect(r).toMatchObject({ matched: 3, incidentsOpened: 0, notificationsQueued: 0, errors: [] });
    expect(lookups).toBe(0);
    expect((await notifications()).length).toBe(before);
  });

  it('validates a configured rule list, naming the rule and field', () => {
    expect(() => parseIncidentRules([{ id: 'Bad Id', match: { types: [] } }])).toThrow(
      /0\.id: .*0\.match\.types/s,
    );
    expect(() => parseIncidentRules([...DEFAULT_INCIDENT_RULES, DEFAULT_INCIDENT_RULES[0]])).toThrow(
      /duplicate rule id/,
    );
    const [rule] = parseIncidentRules([
      {
        id: 'feodo',
        match: { types: ['c2-server'], feeds: ['feodo'], inConstituency: false },
        notify: true,
        key: 'source.ip',
      },
    ]);
    expect(
      matchRule(
        rule!,
        { 'classification.type': 'c2-server', 'feed.name': 'feodo', 'source.ip': '192.0.2.1' },
        'k',
      ),
    ).toBe('192.0.2.1');
    expect(
      matchRule(
        rule!,
        { 'classification.type': 'c2-server', 'feed.name': 'other', 'source.ip': '192.0.2.1' },
        'k',
      ),
    ).toBeNull();
  });
});
