import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { seedTestBranches } from '../../../test/support/seed.ts';
import type { Scope } from '../../core/auth/actor.ts';
import type { MailIntakePort, NewMailMessage } from '../../services/ports/mail-intake.port.ts';
import { createMailRepository } from './mail.repository.ts';

const ALL: Scope = { branchCode: null, userId: null, unrestricted: true };

function message(over: Partial<NewMailMessage> = {}): NewMailMessage {
  return {
    source: 'smtp',
    mailFrom: 'a@example.org',
    rcptTo: ['report@cert.example.cn'],
    branchCode: 'CN-NATIONAL',
    remoteIp: '127.0.0.1',
    helo: 'client',
    receivedAt: '2007-03-01T08:00:00.000Z',
    raw: Buffer.from('Subject: x\r\n\r\nbody\x00\xff'),
    sha256: 'ab'.repeat(32),
    ...over,
  };
}

describe.each(DIALECTS)('mail repository (%s)', (dialect) => {
  let t: TestDatabase;
  let repo: MailIntakePort;
  beforeEach(async () => {
    t = await createTestDatabase(dialect);
    await seedTestBranches(t.db);
    repo = createMailRepository(t.db);
  });
  afterEach(async () => t.destroy());

  it('stores raw bytes and the envelope, and claims in received order; a fresh claim is not taken twice', async () => {
    const a = await repo.insertMessage(message());
    const b = await repo.insertMessage(message({ rcptTo: ['x@y', 'z@y'] }));
    const got = await repo.get(ALL, a);
    expect(Buffer.from(got!.raw)).toEqual(Buffer.from('Subject: x\r\n\r\nbody\x00\xff'));
    expect(got).toMatchObject({
      state: 'received',
      size: Buffer.byteLength('Subject: x\r\n\r\nbody\x00\xff'),
      attempts: 0,
      reportIds: [],
      incidentId: null,
    });
    const now = '2007-03-01T09:00:00.000Z';
    const stale = '2007-03-01T08:50:00.000Z';
    const first = await repo.claim(now, stale);
    expect(first).toMatchObject({ id: a, state: 'processing', attempts: 1 });
    const second = await repo.claim(now, stale);
    expect(second).toMatchObject({ id: b, rcptTo: ['x@y', 'z@y'] });
    expect(await repo.claim(now, stale)).toBeNull();
    // Ten minutes on, the first claim is stale and taken over.
    expect(await repo.claim('2007-03-01T09:20:00.000Z', '2007-03-01T09:10:00.000Z', a)).toMatchObject({
      id: a,
      attempts: 2,
    });
  });

  it('claims the oldest of waiting and stale messages without an id, and never a fresh claim', async () => {
    const a = await repo.insertMessage(message());
    const b = await repo.insertMessage(message());
    const c = await repo.insertMessage(message());
    // a and b are claimed at 09:00; c waits.
    expect(await repo.claim('2007-03-01T09:00:00.000Z', '2007-03-01T08:50:00.000Z')).toMatchObject({ id: a });
    expect(await repo.claim('2007-03-01T09:00:00.000Z', '2007-03-01T08:50:00.000Z')).toMatchObject({ id: b });
    // At 09:05 nothing is stale: the waiting c comes next, then nothing.
    expect(await repo.claim('2007-03-01T09:05:00.000Z', '2007-03-01T08:55:00.000Z')).toMatchObject({
      id: c,
      attempts: 1,
    });
    expect(await repo.claim('2007-03-01T09:05:00.000Z', '2007-03-01T08:55:00.000Z')).toBeNull();
    // At 09:20 the 09:00 claims are stale (c's claim of 09:05 is not): a, then b, are taken over.
    const d = await repo.insertMessage(message());
    expect(await repo.claim('2007-03-01T09:20:00.000Z', '2007-03-01T09:01:00.000Z')).toMatchObject({
      id: a,
      attempts: 2,
    });
    expect(await repo.claim('2007-03-01T09:20:00.000Z', '2007-03-01T09:01:00.000Z')).toMatchObject({
      id: b,
      attempts: 2,
    });
    expect(await repo.claim('2007-03-01T09:20:00.000Z', '2007-03-01T09:01:00.000Z')).toMatchObject({ id: d });
    expect(await repo.claim('2007-03-01T09:20:00.000Z', '2007-03-01T09:01:00.000Z')).toBeNull();
  });

  it('finishes, requeues only failed messages, and counts and lists by state within scope', async () => {
    const a = await repo.insertMessage(message());
    const b = await repo.insertMessage(message({ branchCode: 'CN-XJ' }));
    await repo.claim('2007-03-01T09:00:00.000Z', '2007-03-01T08:50:00.000Z', a);
    await repo.finish(a, {
      state: 'failed',
      error: 'boom',
      outcome: '',
      incidentId: null,
      reportIds: [],
      messageId: '<m@x>',
      subject: 'x',
      fromAddress: 'a@example.org',
      processedAt: '2007-03-01T09:00:01.000Z',
    });
    expect(await repo.requeue(b)).toBe(false);
    expect(await repo.countByState(ALL)).toMatchObject({ received: 1, failed: 1, processed: 0 });
    expect(await repo.requeue(a)).toBe(true);
    expect((await repo.list(ALL, { limit: 10 })).map((m) => [m.id, m.state])).toEqual([
      [b, 'received'],
      [a, 'received'],
    ]);
    const xj: Scope = { branchCode: 'CN-XJ', userId: 5, unrestricted: false };
    expect((await repo.list(xj, { limit: 10 })).map((m) => m.id)).toEqual([b]);
    expect(await repo.get(xj, a)).toBeNull();
    expect(await repo.countByState(xj)).toMatchObject({ received: 1 });
    expect((await repo.list(ALL, { limit: 10, beforeId: b })).map((m) => m.id)).toEqual([a]);
    expect((await repo.list(ALL, { limit: 10, state: 'received' })).length).toBe(2);
  });

  it('records Message-IDs once, finds incidents by them and by tracking number, following merges', async () => {
    const mk = async (state = 'new', mergedInto: number | null = null) =>
      Number(
        (
          await t.db
            .insertInto('incidents')
            .values({
              title: 't',
              description: '',
              category: 'phishing',
              rsit: 'fraud/phishing',
              scanning: 0,
              severity: 'medium',
              tlp: 'amber',
              branch_code: 'CN-NATIONAL',
              assignee_id: null,
              state,
              merged_into_id: mergedInto,
              opened_at: '2007-03-01T08:00:00.000Z',
              due_at: null,
              triaged_at: null,
              resolved_at: null,
              closed_at: null,
              created_by: null,
              updated_at: '2007-03-01T08:00:00.000Z',
              version: 1,
            })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id,
      );
    const survivor = await mk();
    const merged = await mk('merged', survivor);
    const at = '2007-03-01T08:00:00.000Z';
    const mailId = await repo.insertMessage(message());
    expect(
      await repo.recordMessageId({
        messageId: '<a@x>',
        incidentId: merged,
        direction: 'in',
        mailMessageId: mailId,
        at,
      }),
    ).toBe(true);
    expect(
      await repo.recordMessageId({
        messageId: '<a@x>',
        incidentId: survivor,
        direction: 'out',
        mailMessageId: null,
        at,
      }),
    ).toBe(false);
    expect(await repo.findIncidentByMessageIds(['<nope@x>', '<a@x>'])).toBe(merged);
    expect(await repo.findIncidentByMessageIds([])).toBeNull();
    expect(await repo.findLiveIncident(merged)).toBe(survivor);
    expect(await repo.findLiveIncident(999_999)).toBeNull();
    expect(await repo.findReceivedMessageId('<a@x>', mailId + 1)).toEqual({ mailMessageId: mailId });
    expect(await repo.findReceivedMessageId('<a@x>', mailId)).toBeNull();
    await t.db
      .insertInto('reports')
      .values({
        tracking_number: '2007-AAAAA-BBBBB',
        status_secret_hash: '',
        channel: 'email',
        reporter_type: 'individual',
        reporter_name: '',
        reporter_email: '',
        reporter_phone: '',
        reporter_org_id: null,
        received_at: at,
        subject: 's',
        description: '',
        category: 'phishing',
        incident_id: survivor,
        language: 'en',
        meta: JSON.stringify({ mailMessageId: mailId, messageId: '<a@x>' }),
        created_by: null,
        created_at: at,
      } as never)
      .execute();
    expect(await repo.findIncidentByTrackingNumber('2007-AAAAA-BBBBB')).toBe(survivor);
    expect(await repo.findReportsOfMessage(mailId)).toMatchObject({ incidentId: survivor });
    expect((await repo.findReportsOfMessage(mailId)).reportIds).toHaveLength(1);
    expect((await repo.findReportsOfMessage(mailId + 1)).reportIds).toEqual([]);
  });

  it('counts acknowledgements per address and hour, and matches contacts by address case-insensitively', async () => {
    const id = await repo.insertMessage(message());
    await repo.recordAck('A@Example.org', '2007-03-01T08:00:00.000Z', id);
    await repo.recordAck('a@example.org', '2007-03-01T08:30:00.000Z', id);
    expect(await repo.countAcksSince('a@example.org', '2007-03-01T08:10:00.000Z')).toBe(1);
    expect(await repo.countAcksSince('a@EXAMPLE.org', '2007-03-01T07:00:00.000Z')).toBe(2);
    expect(await repo.findContactByEmail('nobody@example.org')).toBeNull();
  });
});
