import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor, type Actor } from '../core/auth/actor.ts';
import { fixedClock } from '../core/shared/clock.ts';
import { createEventsQueryRepository } from '../db/repositories/events-query.repository.ts';
import { createMalwareFamiliesRepository } from '../db/repositories/malware-families.repository.ts';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../../test/support/db.ts';
import { insertEvents, type EventFixture } from '../../test/support/event-fixtures.ts';
import { createEventsQueryService, type EventsQueryService } from './events-query.service.ts';
import { createMalwareFamilyService } from './malware-family.service.ts';

const FIXTURE: EventFixture[] = [
  {
    type: 'infected-system',
    time: '2007-01-10T00:00:00.000Z',
    src: '10.1.2.3',
    srcAsn: 4134,
    srcBranch: 'CN-BJ',
    srcCc: 'CN',
    dst: '198.51.100.7',
    dstPort: 6667,
    malware: '灰鸽子',
    feed: 'sinkhole',
  },
  {
    type: 'infected-system',
    time: '2007-02-10T00:00:00.000Z',
    src: '10.1.9.9',
    srcAsn: 4134,
    srcBranch: 'CN-BJ',
    srcCc: 'CN',
    malware: 'hupigon',
    feed: 'sinkhole',
  },
  {
    type: 'c2-server',
    time: '2007-03-10T00:00:00.000Z',
    src: '198.51.100.7',
    srcAsn: 64500,
    srcCc: 'US',
    malware: 'huigezi',
    feed: 'c2-list',
  },
  {
    type: 'phishing',
    time: '2007-04-10T00:00:00.000Z',
    src: '10.200.0.1',
    srcAsn: 4837,
    srcBranch: 'CN-SH',
    srcCc: 'CN',
    url: 'http://bank.example.cn/login',
    feed: 'phish',
  },
  {
    type: 'infected-system',
    time: '2007-05-10T00:00:00.000Z',
    src: '2001:db8::5',
    srcBranch: 'CN-SH',
    srcCc: 'CN',
    dst: '10.1.2.3',
    dstBranch: 'CN-BJ',
    malware: 'sdbot',
    feed: 'sinkhole',
  },
  {
    type: 'scanner',
    time: '2007-07-01T00:00:00.000Z',
    src: '10.1.2.3',
    srcAsn: 4134,
    srcBranch: 'CN-BJ',
    srcCc: 'CN',
    feed: 'scan',
  },
];

describe.each(DIALECTS)('event search on %s', (dialect) => {
  let t: TestDatabase;
  let svc: EventsQueryService;
  let ids: number[];
  const all = systemActor('test');
  const bj: Actor = {
    kind: 'user',
    userId: 7,
    label: 'bj',
    role: 'branch_handler',
    branchCode: 'CN-BJ',
    ip: '',
  };
  const idsOf = async (actor: Actor, q: Record<string, string>) =>
    (await svc.searchEvents(actor, q)).items.map((e) => ids.indexOf(e.id));

  beforeAll(async () => {
    t = await createTestDatabase(dialect);
    await createMalwareFamilyService({
      families: createMalwareFamiliesRepository(t.db),
      clock: fixedClock('2007-01-01T00:00:00Z'),
    }).seedDefaults();
    ids = await insertEvents(t.db, FIXTURE);
    svc = createEventsQueryService({ events: createEventsQueryRepository(t.db), timeZone: 'Asia/Shanghai' });
  });
  afterAll(async () => {
    await t.destroy();
  });

  it('filters by address (source or destination), CIDR, ASN, classification, feed and time', async () => {
    expect(await idsOf(all, { ip: '10.1.2.3' })).toEqual([5, 4, 0]);
    expect(await idsOf(all, { ip: '198.51.100.7' })).toEqual([2, 0]);
    expect(await idsOf(all, { cidr: '10.1.0.0/16' })).toEqual([5, 4, 1, 0]);
    expect(await idsOf(all, { cidr: '2001:db8::/32' })).toEqual([4]);
    expect(await idsOf(all, { asn: 'AS4134' })).toEqual([5, 1, 0]);
    expect(await idsOf(all, { classification: 'infected-system' })).toEqual([4, 1, 0]);
    expect(await idsOf(all, { classification: 'malicious-code/c2-server' })).toEqual([2]);
    expect(await idsOf(all, { feed: 'sinkhole', from: '2007-02-01', to: '2007-06-30' })).toEqual([4, 1]);
    expect(await idsOf(all, { branch: 'cn-bj' })).toEqual([5, 4, 1, 0]); // destination branch too
    // a catalogue family finds every name and alias of it; a plain name finds itself
    expect(await idsOf(all, { malware: 'Huigezi' })).toEqual([2, 1, 0]);
    expect(await idsOf(all, { malware: 'sdbot' })).toEqual([4]);
  });

  it('pages newest first with a cursor', async () => {
    const first = await svc.searchEvents(all, { limit: '4' });
    expect(first.items.map((e) => ids.indexOf(e.id))).toEqual([5, 4, 3, 2]);
    expect(first.nextCursor).toBe(String(ids[2]));
    const second = await svc.searchEvents(all, { limit: '4', cursor: first.nextCursor! });
    expect(second.items.map((e) => ids.indexOf(e.id))).toEqual([1, 0]);
    expect(second.nextCursor).toBeNull();
  });

  it('shows a branch handler only events with a source or destination in the branch', async () => {
    expect(await idsOf(bj, {})).toEqual([5, 4, 1, 0]);
    expect(await idsOf(bj, { branch: 'CN-SH' })).toEqual([4]); // SH source, BJ destination
    await expect(svc.getEvent(bj, ids[3]!)).rejects.toMatchObject({ id: 'not_found' });
    expect((await svc.getEvent(bj, ids[0]!)).source).toMatchObject({
      ip: '10.1.2.3',
      asn: 4134,
      branch: 'CN-BJ',
    });
    await expect(svc.listFeeds(bj)).rejects.toMatchObject({ id: 'forbidden' });
    await expect(svc.listDeadLetters(bj, {})).rejects.toMatchObject({ id: 'forbidden' });
  });

  it('names every bad filter', async () => {
    await expect(
      svc.searchEvents(all, { ip: '10.1.2', cidr: 'x/99', asn: 'ASX', from: '2007-02-30', limit: '0' }),
    ).rejects.toMatchObject({
      id: 'invalid_input',
      fields: [
        { field: 'ip' },
        { field: 'cidr' },
        { field: 'asn' },
        { field: 'from', message: 'no such day' },
        { field: 'limit' },
      ],
    });
  });

  it('lists feeds with their state and open dead letters', async () => {
    await t.db
      .insertInto('feed_state')
      .values({
        feed: 'sinkhole',
        last_run_at: '2007-06-01T00:00:00.000Z',
        last_status: 'ok',
        last_error: null,
        last_fetch_at: null,
        etag: null,
        last_modified: null,
        reports_total: 2,
        events_total: 3,
        errors_total: 1,
      })
      .execute();
    await t.db
      .insertInto('dead_letters')
      .values([
        {
          raw_report_id: 1,
          feed: 'sinkhole',
          line: 7,
          raw: 'garbage',
          error: 'bad timestamp',
          attempts: 1,
          created_at: '2007-06-01T00:00:00.000Z',
          retried_at: null,
        },
        {
          raw_report_id: 1,
          feed: 'sinkhole',
          line: 9,
          raw: 'fixed',
          error: 'bad port',
          attempts: 2,
          created_at: '2007-06-01T00:00:00.000Z',
          retried_at: '2007-06-02T00:00:00.000Z',
        },
      ])
      .execute();
    const feeds = await svc.listFeeds(all);
    expect(feeds.find((f) => f.feed === 'sinkhole')).toMatchObject({
      lastStatus: 'ok',
      eventsTotal: 3,
      errorsTotal: 1,
      openDeadLetters: 1,
    });
    const dead = await svc.listDeadLetters(all, { feed: 'sinkhole' });
    expect(dead.items.map((d) => d.line)).toEqual([7]);
    expect((await svc.listDeadLetters(all, { includeRetried: true })).items.map((d) => d.line)).toEqual([
      9, 7,
    ]);
  });
});
