import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { seedTestBranches } from '../../../test/support/seed.ts';
import type { NotificationItem } from '../../core/notify/notification.ts';
import type { NewOutboundMail, NotificationsPort } from '../../services/ports.ts';
import { createNotificationsRepository } from './notifications.repository.ts';

const AT = '2007-03-01T08:00:00.000Z';

function item(recipient: string, refId: number, orgId: number | null = null): NotificationItem {
  return {
    recipient,
    orgId,
    kind: 'event',
    refId,
    classificationType: 'malicious-code/infected-system',
    row: { 'source.ip': `192.0.2.${refId % 250}`, 'malware.name': 'conficker', count: 1 },
    queuedAt: AT,
  };
}

function outbound(to: string, n: number): NewOutboundMail {
  return {
    kind: 'notification',
    incidentId: null,
    actionId: null,
    from: 'cert@example.cn',
    to,
    subject: 's',
    text: 't',
    html: null,
    headers: {},
    messageId: `<n${n}-${Math.random().toString(36).slice(2)}@example.cn>`,
    inReplyTo: null,
    references: [],
    attachments: [],
    createdBy: null,
    createdAt: AT,
    nextAttemptAt: AT,
  };
}

describe.each(DIALECTS)('notifications repository (%s)', (dialect) => {
  let t: TestDatabase;
  let repo: NotificationsPort;
  let orgId: number;
  beforeEach(async () => {
    t = await createTestDatabase(dialect);
    await seedTestBranches(t.db);
    repo = createNotificationsRepository(t.db);
    const org = await t.db
      .insertInto('organisations')
      .values({
        kind: 'isp',
        name_zh: '某运营商',
        name_en: 'Some ISP',
        abbreviation: 'ISP',
        country: 'CN',
        branch_code: null,
        website: '',
        registered_in_community: 0,
        support_role: '',
        language: 'en',
        notify_interval: 'hourly',
        notes: '',
        created_at: AT,
        updated_at: AT,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    orgId = Number(org.id);
  });
  afterEach(async () => t.destroy());

  it('queues each (recipient, kind, refId) once', async () => {
    expect(
      await repo.enqueue([item('a@isp.cn', 1, orgId), item('a@isp.cn', 2, orgId), item('b@isp.cn', 1)]),
    ).toEqual({
      queued: 3,
      duplicates: 0,
    });
    expect(await repo.enqueue([item('a@isp.cn', 1, orgId), item('a@isp.cn', 3, orgId)])).toEqual({
      queued: 1,
      duplicates: 1,
    });
    const pending = await repo.listPendingRecipients();
    expect(pending.map((p) => [p.recipient, p.orgId, p.count])).toEqual([
      ['a@isp.cn', orgId, 3],
      ['b@isp.cn', null, 1],
    ]);
    const items = await repo.listPending('a@isp.cn', 10);
    expect(items.map((i) => i.refId)).toEqual([1, 2, 3]);
    expect(items[0]!.row).toEqual({ 'source.ip': '192.0.2.1', 'malware.name': 'conficker', count: 1 });
  });

  it('commits a mail and its items together, and never twice', async () => {
    await repo.enqueue([item('a@isp.cn', 1, orgId), item('a@isp.cn', 2, orgId)]);
    const ids = (await repo.listPending('a@isp.cn', 10)).map((i) => i.id);
    const mail = await repo.commitBatch(outbound('a@isp.cn', 1), ids, AT);
    expect(mail).not.toBeNull();
    expect(await repo.listPending('a@isp.cn', 10)).toEqual([]);
    const sent = await repo.list({ recipient: 'a@isp.cn', limit: 10 });
    expect(sent.every((i) => i.state === 'sent' && i.outboxId === mail!.id)).toBe(true);
    // A second run holding the same ids writes nothing.
    expect(await repo.commitBatch(outbound('a@isp.cn', 2), ids, AT)).toBeNull();
    const mails = await t.db.selectFrom('outbound_mail').select('id').execute();
    expect(mails.length).toBe(1);
    expect(await repo.lastMailAt('a@isp.cn')).toBe(AT);
    expect(await repo.lastMailAt('b@isp.cn')).toBeNull();
  });

  it('marks suppressed items and keeps settings with the directory fields', async () => {
    await repo.enqueue([item('a@isp.cn', 1, orgId)]);
    const ids = (await repo.listPending('a@isp.cn', 10)).map((i) => i.id);
    expect(await repo.markSuppressed(ids, AT)).toBe(1);
    expect(await repo.markSuppressed(ids, AT)).toBe(0);
    expect((await repo.getSettings([orgId])).get(orgId)).toEqual({
      organisationId: orgId,
      nameZh: '某运营商',
      nameEn: 'Some ISP',
      interval: 'hourly',
      language: 'en',
      suppress: false,
    });
    await repo.setSuppress(orgId, true, AT);
    expect((await repo.getSettings([orgId])).get(orgId)!.suppress).toBe(true);
    await repo.setSuppress(orgId, false, AT);
    expect((await repo.getSettings([orgId])).get(orgId)!.suppress).toBe(false);
    expect((await repo.getSettings([orgId + 1000])).size).toBe(0);
  });
});
