import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIncidentsHarness, type IncidentsHarness } from '../../../test/support/incidents.ts';
import { DIALECTS } from '../../../test/support/db.ts';
import type { NewOutboundMail, OutboundMailPort } from '../../services/ports.ts';
import { createOutboundMailRepository } from './outbound-mail.repository.ts';

let seq = 0;
function mail(over: Partial<NewOutboundMail> = {}): NewOutboundMail {
  seq += 1;
  return {
    kind: 'incident',
    incidentId: null,
    actionId: null,
    from: 'cert@example.cn',
    to: 'abuse@isp.example.cn',
    subject: `subject ${seq}`,
    text: '正文',
    html: null,
    headers: { 'X-Test': '1' },
    messageId: `<m${seq}-${Math.random().toString(36).slice(2)}@example.cn>`,
    inReplyTo: null,
    references: [],
    attachments: [
      { filename: 'a.csv', contentType: 'text/csv', content: new Uint8Array([0xef, 0xbb, 0xbf, 0x61]) },
    ],
    createdBy: null,
    createdAt: '2007-03-01T08:00:00.000Z',
    nextAttemptAt: '2007-03-01T08:00:00.000Z',
    ...over,
  };
}

describe.each(DIALECTS)('outbound mail repository (%s)', (dialect) => {
  let h: IncidentsHarness;
  let repo: OutboundMailPort;
  beforeEach(async () => {
    h = await createIncidentsHarness(dialect);
    repo = createOutboundMailRepository(h.t.db);
  });
  afterEach(async () => h.destroy());

  it('stores a message with its attachments and records the Message-ID of an incident mail for threading', async () => {
    const incident = await h.service.createIncident(h.system, { title: 'x', category: 'phishing' });
    const stored = await repo.insert(mail({ incidentId: incident.id, references: ['<a@b>'] }));
    expect(stored.state).toBe('queued');
    expect(stored.attempts).toBe(0);
    const again = await repo.get(stored.id);
    expect(again!.attachments[0]!.content).toEqual(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]));
    expect(again!.references).toEqual(['<a@b>']);
    expect(again!.headers).toEqual({ 'X-Test': '1' });
    const ids = await h.t.db.selectFrom('mail_message_ids').selectAll().execute();
    expect(ids.map((r) => [r.message_id, Number(r.incident_id), r.direction])).toEqual([
      [stored.messageId, incident.id, 'out'],
    ]);
  });

  it('withdraws a message nobody tried to send, with its threading Message-ID', async () => {
    const incident = await h.service.createIncident(h.system, { title: 'x', category: 'phishing' });
    const a = await repo.insert(mail({ incidentId: incident.id }));
    const b = await repo.insert(mail({ incidentId: incident.id }));
    await repo.markRetry(b.id, 1, '2007-03-01T08:01:00.000Z', 'ECONNREFUSED');
    expect(await repo.withdraw(a.id)).toBe(true);
    expect(await repo.withdraw(a.id)).toBe(false);
    expect(await repo.withdraw(b.id)).toBe(false);
    expect(await repo.get(a.id)).toBeNull();
    const ids = await h.t.db.selectFrom('mail_message_ids').select('message_id').execute();
    expect(ids.map((r) => r.message_id)).toEqual([b.messageId]);
  });

  it('claims due messages once, retries, expires crashed claims', async () => {
    const a = await repo.insert(mail());
    const b = await repo.insert(mail({ nextAttemptAt: '2007-03-01T09:00:00.000Z' }));
    const now = '2007-03-01T08:00:00.000Z';
    const claimed = await repo.claimDue(now, '2007-03-01T08:10:00.000Z', 10);
    expect(claimed.map((m) => m.id)).toEqual([a.id]);
    expect(await repo.claimDue(now, '2007-03-01T08:10:00.000Z', 10)).toEqual([]);
    expect(await repo.claimOne(a.id, '2007-03-01T08:10:00.000Z')).toBeNull();
    // The sender crashed: after the lock, the message is claimable again.
    const reclaimed = await repo.claimDue('2007-03-01T08:11:00.000Z', '2007-03-01T08:21:00.000Z', 10);
    expect(reclaimed.map((m) => m.id)).toEqual([a.id]);
    await repo.markRetry(a.id, 1, '2007-03-01T08:12:00.000Z', 'ECONNREFUSED');
    expect((await repo.get(a.id))!.state).toBe('queued');
    await repo.markFailed(b.id, 6, 'gave up');
    expect(await repo.requeue(b.id, now)).toBe(true);
    expect(await repo.requeue(b.id, now)).toBe(false);
    const due = await repo.claimDue('2007-03-01T08:12:00.000Z', '2007-03-01T08:22:00.000Z', 10);
    expect(due.map((m) => m.id).sort()).toEqual([a.id, b.id].sort());
    await repo.markSent(a.id, 2, '2007-03-01T08:12:01.000Z', '250 Ok');
    const sent = await repo.get(a.id);
    expect([sent!.state, sent!.attempts, sent!.response, sent!.lastError]).toEqual(['sent', 2, '250 Ok', '']);
  });

  it('lists the outbox within the actor scope (branch, TLP:RED) in SQL', async () => {
    const bj = await h.service.createIncident(h.system, {
      title: 'bj',
      category: 'phishing',
      branchCode: 'CN-BJ',
    });
    const sh = await h.service.createIncident(h.system, {
      title: 'sh',
      category: 'phishing',
      branchCode: 'CN-SH',
    });
    const red = await h.service.createIncident(h.system, {
      title: 'red',
      category: 'phishing',
      branchCode: 'CN-BJ',
      tlp: 'red',
    });
    const mBj = await repo.insert(mail({ incidentId: bj.id }));
    const mSh = await repo.insert(mail({ incidentId: sh.id }));
    const mRed = await repo.insert(mail({ incidentId: red.id }));
    const mNone = await repo.insert(mail({ kind: 'notification' }));
    const ids = (rows: { id: number }[]) => rows.map((r) => r.id).sort((x, y) => x - y);
    const all = await repo.list({ branchCode: null, userId: null, unrestricted: true }, { limit: 50 });
    expect(ids(all)).toEqual([mBj.id, mSh.id, mRed.id, mNone.id]);
    const handler = await h.user('branch_handler', 'CN-BJ');
    const scopeBj = { branchCode: 'CN-BJ', userId: handler.userId, unrestricted: false };
    expect(ids(await repo.list(scopeBj, { limit: 50 }))).toEqual([mBj.id]);
    expect(await repo.isVisible(scopeBj, mSh.id)).toBe(false);
    await h.service.setRedUsers(h.system, red.id, { userIds: [handler.userId!] });
    expect(ids(await repo.list(scopeBj, { limit: 50 }))).toEqual([mBj.id, mRed.id]);
    const national = { branchCode: null, userId: 999999, unrestricted: false };
    expect(ids(await repo.list(national, { limit: 50 }))).toEqual([mBj.id, mSh.id, mNone.id]);
    expect((await repo.countByState(scopeBj)).queued).toBe(2);
    expect(ids(await repo.list(national, { limit: 50, incidentId: sh.id }))).toEqual([mSh.id]);
  });

  it('keeps template overrides per action kind and language', async () => {
    await repo.upsertTemplate({
      actionKind: 'contact_isp',
      language: 'en',
      subject: 'S',
      body: 'B',
      updatedAt: '2007-03-01T08:00:00.000Z',
      updatedBy: null,
    });
    await repo.upsertTemplate({
      actionKind: 'contact_isp',
      language: 'en',
      subject: 'S2',
      body: 'B2',
      updatedAt: '2007-03-01T09:00:00.000Z',
      updatedBy: null,
    });
    expect((await repo.getTemplate('contact_isp', 'en'))!.subject).toBe('S2');
    expect(await repo.getTemplate('contact_isp', 'zh-CN')).toBeNull();
    expect((await repo.listTemplates()).length).toBe(1);
    expect(await repo.deleteTemplate('contact_isp', 'en')).toBe(true);
    expect(await repo.deleteTemplate('contact_isp', 'en')).toBe(false);
  });
});
