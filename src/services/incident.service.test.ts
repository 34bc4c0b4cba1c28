import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../core/auth/actor.ts';
import { DomainError } from '../core/shared/errors.ts';
import { DIALECTS } from '../../test/support/db.ts';
import { createIncidentsHarness, type IncidentsHarness } from '../../test/support/incidents.ts';

async function rejects(p: Promise<unknown>, id: DomainError['id']): Promise<DomainError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).id).toBe(id);
    return e as DomainError;
  }
  throw new Error(`expected a ${id} error`);
}

describe.each(DIALECTS)('incident service on %s', (dialect) => {
  let h: IncidentsHarness;
  let national: Actor;
  let bj: Actor;
  let xj: Actor;
  let analyst: Actor;

  beforeAll(async () => {
    h = await createIncidentsHarness(dialect);
    national = await h.user('national_handler');
    bj = await h.user('branch_handler', 'CN-BJ');
    xj = await h.user('branch_handler', 'CN-XJ');
    analyst = await h.user('analyst');
  });
  afterAll(async () => {
    await h.destroy();
  });
  beforeEach(() => {
    h.clock.set('2007-03-01T08:00:00.000Z');
  });

  describe('reports', () => {
    it('opens an incident for a staff report, extracts defanged observables from text and attachments', async () => {
      const created = await h.service.createReport(national, {
        channel: 'phone',
        reporter: { type: 'organisation', name: '某银行', email: 'soc@bank.example.cn', phone: '010-1234' },
        subject: '仿冒网站 hxxp://secure-bank[.]example[.]com/login',
        description: '钓鱼页面托管在 10.1.2.3，邮件来自 phisher[@]evil[.]cn',
        category: 'phishing',
        attachments: [
          {
            filename: 'headers.txt',
            contentType: 'text/plain',
            content: Buffer.from('Received: from relay 172.16.5.9\n'),
          },
          {
            filename: 'shot.png',
            contentType: 'image/png',
            content: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x31, 0x2e, 0x32]),
          },
        ],
      });
      expect(created.trackingNumber).toMatch(/^2007-[0-9A-Z]{5}-[0-9A-Z]{5}$/);
      expect(created.statusSecret.length).toBeGreaterThanOrEqual(30);
      expect(created.incident).not.toBeNull();
      const inc = created.incident!;
      expect(inc).toMatchObject({
        category: 'phishing',
        rsit: 'fraud/phishing',
        scanning: false,
        branchCode: 'CN-NATIONAL',
        state: 'new',
        severity: 'medium',
        tlp: 'amber',
        openedAt: '2007-03-01T08:00:00.000Z',
        dueAt: '2007-03-04T08:00:00.000Z',
        overdue: false,
      });
      expect(created.report.attachments.map((a) => [a.filename, a.size])).toEqual([
        ['headers.txt', 32],
        ['shot.png', 7],
      ]);
      expect(created.report.attachments[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
      const detail = await h.service.getIncident(national, inc.id);
      const values = detail.observables.map((o) => `${o.kind}:${o.value}`);
      expect(values).toEqual(
        expect.arrayContaining([
          'url:http://secure-bank.example.com/login',
          'domain:secure-bank.example.com',
          'ipv4:10.1.2.3',
          'email:phisher@evil.cn',
          'ipv4:172.16.5.9',
        ]),
      );
      expect(detail.reports).toHaveLength(1);
      expect(detail.timeline.map((e) => e.type)).toEqual(['report', 'state']);

      // The defanged IP and domain are searchable.
      const byIp = await h.service.searchIncidents(national, { observable: '10[.]1[.]2[.]3' });
      expect(byIp.items.map((i) => i.id)).toEqual([inc.id]);
      const byDomain = await h.service.searchIncidents(national, { observable: 'example.com' });
      expect(byDomain.items.map((i) => i.id)).toEqual([inc.id]);
      const byAttachment = await h.service.searchIncidents(national, { observable: '172.16.5.9' });
      expect(byAttachment.items.map((i) => i.id)).toEqual([inc.id]);
    });

    it('lets the public follow a report with its tracking number and secret, and nothing else', async () => {
      const created = await h.service.createReport(
        null,
        {
          channel: 'web',
          subject: 'Defaced site',
          description: 'http://gov.example.cn was defaced',
          category: 'defacement',
        },
        { ip: '203.0.113.9' },
      );
      expect(created.report.reporter.type).toBe('anonymous');
      const status = await h.service.getReportStatus(created.trackingNumber, created.statusSecret);
      expect(status).toEqual({
        trackingNumber: created.trackingNumber,
        receivedAt: '2007-03-01T08:00:00.000Z',
        state: 'new',
        category: 'defacement',
        updatedAt: '2007-03-01T08:00:00.000Z',
      });
      // Typed loosely (lower case) still works; a wrong secret or number is not_found.
      await expect(
        h.service.getReportStatus(created.trackingNumber.toLowerCase(), created.statusSecret),
      ).resolves.toMatchObject({ state: 'new' });
      await rejects(
        h.service.getReportStatus(created.trackingNumber, `${created.statusSecret}x`),
        'not_found',
      );
      await rejects(h.service.getReportStatus('2007-AAAAA-BBBBB', created.statusSecret), 'not_found');
      h.clock.advance(60_000);
      await h.service.changeState(national, created.incident!.id, { state: 'triaged' });
      const later = await h.service.getReportStatus(created.trackingNumber, created.statusSecret);
      expect(later.state).toBe('triaged');
      expect(later.updatedAt).toBe('2007-03-01T08:01:00.000Z');
      // The anonymous creation was audited with the caller's address.
      const rows = await h.audit.list({ entity: 'report', entityId: String(created.report.id), limit: 5 });
      expect(rows[0]).toMatchObject({ action: 'create', actor: 'public', ip: '203.0.113.9' });
    });

    it('refuses staff-only fields and other channels from the public', async () => {
      const e = await rejects(
        h.service.createReport(null, { channel: 'web', subject: 'x', incidentId: 1, tlp: 'red' }),
        'invalid_input',
      );
      expect(e.fields.map((f) => f.field).sort()).toEqual(['incidentId', 'tlp']);
      const e2 = await rejects(
        h.service.createReport(null, { channel: 'email', subject: 'x' }),
        'invalid_input',
      );
      expect(e2.fields[0]!.field).toBe('channel');
    });

    it('attaches a report to an existing visible incident, and hides other branches', async () => {
      const inc = await h.service.createIncident(bj, { title: 'BJ botnet', category: 'virus-worm-trojan' });
      const r = await h.service.createReport(bj, {
        channel: 'email',
        subject: 'more bots',
        description: 'bot 192.0.2.77',
        incidentId: inc.id,
      });
      expect(r.incident!.id).toBe(inc.id);
      expect(r.report.incidentId).toBe(inc.id);
      expect((await h.service.getIncident(bj, inc.id)).reports).toHaveLength(1);
      await rejects(
        h.service.createReport(xj, { channel: 'email', subject: 'x', incidentId: inc.id }),
        'not_found',
      );
      // The report itself is hidden from the other branch too.
      await expect(h.service.getReport(bj, r.report.id)).resolves.toMatchObject({ id: r.report.id });
      await rejects(h.service.getReport(xj, r.report.id), 'not_found');
    });

    it('rejects bad input with field names', async () => {
      const e = await rejects(
        h.service.createReport(national, {
          channel: 'pigeon' as 'web',
          reporter: { email: 'not-an-email' },
          receivedAt: 'yesterday',
          subject: '',
        }),
        'invalid_input',
      );
      expect(e.fields.map((f) => f.field)).toEqual(
        expect.arrayContaining(['channel', 'reporter.email', 'receivedAt']),
      );
    });
  });

  describe('incidents', () => {
    it('derives rsit from category and category from rsit, and branch defaults', async () => {
      const a = await h.service.createIncident(national, {
        title: 'scan',
        category: 'scanning',
        severity: 'high',
      });
      expect(a).toMatchObject({
        rsit: 'information-gathering/scanner',
        scanning: true,
        branchCode: 'CN-NATIONAL',
        dueAt: '2007-03-02T08:00:00.000Z',
        version: 1,
      });
      const b = await h.service.createIncident(national, {
        title: 'C2',
        rsit: 'malicious-code/c2-server',
        branchCode: 'CN-GD',
      });
      expect(b).toMatchObject({ category: 'virus-worm-trojan', scanning: false, branchCode: 'CN-GD' });
      const c = await h.service.createIncident(bj, { title: 'own', category: 'spam' });
      expect(c.branchCode).toBe('CN-BJ');
      await rejects(
        h.service.createIncident(bj, { title: 'other', category: 'spam', branchCode: 'CN-XJ' }),
        'forbidden',
      );
      const bad = await rejects(
        h.service.createIncident(national, { title: 'x', category: 'spam', rsit: 'fraud/phishing' }),
        'invalid_input',
      );
      expect(bad.fields[0]!.field).toBe('rsit');
      const missing = await rejects(h.service.createIncident(national, { title: '' }), 'invalid_input');
      expect(missing.fields.map((f) => f.field)).toEqual(expect.arrayContaining(['title', 'category']));
      await rejects(h.service.createIncident(analyst, { title: 'x', category: 'spam' }), 'forbidden');
      const nb = await rejects(
        h.service.createIncident(national, { title: 'x', category: 'spam', branchCode: 'CN-ZZ' }),
        'invalid_input',
      );
      expect(nb.fields[0]!.field).toBe('branchCode');
    });

    it('hides another branch: 404 by id for every operation, absent from search, denials audited', async () => {
      const inc = await h.service.createIncident(national, {
        title: '新疆 网页篡改',
        category: 'defacement',
        branchCode: 'CN-XJ',
      });
      await rejects(h.service.getIncident(bj, inc.id), 'not_found');
      await rejects(h.service.updateIncident(bj, inc.id, { version: 1, title: 'x' }), 'not_found');
      await rejects(h.service.changeState(bj, inc.id, { state: 'triaged' }), 'not_found');
      await rejects(h.service.assign(bj, inc.id, { assigneeId: bj.userId }), 'not_found');
      await rejects(h.service.reassignBranch(bj, inc.id, { branchCode: 'CN-BJ' }), 'not_found');
      await rejects(h.service.addAction(bj, inc.id, { kind: 'note' }), 'not_found');
      await rejects(h.service.listAudit(bj, inc.id), 'not_found');
      await rejects(h.service.setRedUsers(bj, inc.id, { userIds: [] }), 'not_found');
      // A non-existent id looks exactly the same.
      const missing = await rejects(h.service.getIncident(bj, 999_999), 'not_found');
      const hiddenErr = await rejects(h.service.getIncident(bj, inc.id), 'not_found');
      expect(hiddenErr.message.replace(String(inc.id), 'N')).toBe(missing.message.replace('999999', 'N'));

      const all = await h.service.searchIncidents(bj, { text: '新疆' });
      expect(all.items).toEqual([]);
      expect(all.total).toBe(0);
      const byId = await h.service.searchIncidents(bj, { ids: [inc.id] });
      expect(byId.items).toEqual([]);
      // The national handler and the XJ handler see it; nothing was changed by the attempts.
      const seen = await h.service.getIncident(xj, inc.id);
      expect(seen).toMatchObject({ title: '新疆 网页篡改', version: 1, state: 'new' });
      const auditRows = await h.service.listAudit(national, inc.id);
      const denied = auditRows.filter((r) => r.action === 'denied');
      expect(denied.length).toBe(9); // every attempt on the existing id; none for 999999
      expect(denied.every((r) => r.actorId === bj.userId)).toBe(true);
      expect(denied.map((r) => (r.after as { operation: string }).operation)).toEqual(
        expect.arrayContaining([
          'read',
          'update',
          'state',
          'assign',
          'reassign',
          'add_action',
          'audit',
          'red_users',
        ]),
      );
    });

    it('shows TLP:RED only to the users named on it, even to national handlers', async () => {
      const member = await h.user('national_handler');
      const other = await h.user('national_handler');
      const red = await h.service.createIncident(member, {
        title: 'APT 熊猫 red',
        category: 'other',
        tlp: 'red',
      });
      expect((await h.service.getIncident(member, red.id)).redUserIds).toEqual([member.userId]);
      await rejects(h.service.getIncident(other, red.id), 'not_found');
      await rejects(h.service.getIncident(analyst, red.id), 'not_found');
      expect((await h.service.searchIncidents(other, { text: 'APT 熊猫' })).items).toEqual([]);
      expect((await h.service.searchIncidents(member, { text: 'APT 熊猫' })).items.map((i) => i.id)).toEqual([
        red.id,
      ]);
      // System jobs are unrestricted.
      await expect(h.service.getIncident(h.system, red.id)).resolves.toMatchObject({ id: red.id });
      // Naming the other user lets them in.
      await h.service.setRedUsers(member, red.id, { userIds: [member.userId!, other.userId!] });
      await expect(h.service.getIncident(other, red.id)).resolves.toMatchObject({ tlp: 'red' });
      // Assigning a non-member is refused.
      const outsider = await h.user('national_handler');
      const e = await rejects(
        h.service.assign(member, red.id, { assigneeId: outsider.userId }),
        'invalid_input',
      );
      expect(e.fields[0]!.field).toBe('assigneeId');
    });

    it('follows the state machine, stamps times, reopens, and rejects illegal moves with conflict', async () => {
      const inc = await h.service.createIncident(national, { title: 'worm', category: 'virus-worm-trojan' });
      h.clock.set('2007-03-01T09:00:00.000Z');
      const t = await h.service.changeState(national, inc.id, { state: 'triaged' });
      expect(t).toMatchObject({ state: 'triaged', triagedAt: '2007-03-01T09:00:00.000Z', version: 2 });
      await rejects(h.service.changeState(national, inc.id, { state: 'new' }), 'conflict');
      h.clock.set('2007-03-01T10:00:00.000Z');
      const r = await h.service.changeState(national, inc.id, { state: 'resolved' });
      expect(r).toMatchObject({
        resolvedAt: '2007-03-01T10:00:00.000Z',
        closedAt: '2007-03-01T10:00:00.000Z',
      });
      await rejects(h.service.changeState(national, inc.id, { state: 'rejected' }), 'conflict');
      const reopened = await h.service.changeState(national, inc.id, { state: 'in_progress' });
      expect(reopened).toMatchObject({
        state: 'in_progress',
        resolvedAt: null,
        closedAt: null,
        triagedAt: '2007-03-01T09:00:00.000Z',
      });
      const e = await rejects(h.service.changeState(national, inc.id, { state: 'merged' }), 'invalid_input');
      expect(e.fields[0]!.field).toBe('state');
      const detail = await h.service.getIncident(national, inc.id);
      expect(
        detail.timeline
          .filter((x) => x.type === 'state')
          .map((x) => (x.type === 'state' ? `${x.from}>${x.to}` : '')),
      ).toEqual(['null>new', 'new>triaged', 'triaged>resolved', 'resolved>in_progress']);
      h.clock.set('2007-03-01T08:00:00.000Z');
    });

    it('uses optimistic locking: a stale version is a conflict', async () => {
      const inc = await h.service.createIncident(national, { title: 'v1', category: 'spam' });
      const u = await h.service.updateIncident(national, inc.id, {
        version: 1,
        title: 'v2',
        severity: 'critical',
      });
      expect(u).toMatchObject({
        title: 'v2',
        version: 2,
        severity: 'critical',
        dueAt: '2007-03-01T12:00:00.000Z',
      });
      await rejects(h.service.updateIncident(national, inc.id, { version: 1, title: 'v3' }), 'conflict');
      await rejects(h.service.changeState(national, inc.id, { state: 'triaged', version: 1 }), 'conflict');
      expect((await h.service.getIncident(national, inc.id)).title).toBe('v2');
      const rows = await h.service.listAudit(national, inc.id);
      const upd = rows.find((r) => r.action === 'update')!;
      expect(upd.before).toEqual({
        title: 'v1',
        severity: 'medium',
        dueAt: '2007-03-04T08:00:00.000Z',
        version: 1,
      });
      expect(upd.after).toEqual({
        title: 'v2',
        severity: 'critical',
        dueAt: '2007-03-01T12:00:00.000Z',
        version: 2,
      });
      const e = await rejects(h.service.updateIncident(national, inc.id, { version: 2 }), 'invalid_input');
      expect(e.message).toContain('nothing to change');
    });

    it('assigns to a handler who can see the branch and reassigns between branches with an action', async () => {
      const inc = await h.service.createIncident(national, {
        title: 'ddos',
        category: 'dos',
        branchCode: 'CN-BJ',
      });
      const wrong = await rejects(
        h.service.assign(national, inc.id, { assigneeId: xj.userId }),
        'invalid_input',
      );
      expect(wrong.fields[0]!.field).toBe('assigneeId');
      await rejects(h.service.assign(national, inc.id, { assigneeId: analyst.userId }), 'invalid_input');
      const a = await h.service.assign(national, inc.id, { assigneeId: bj.userId });
      expect(a).toMatchObject({ assigneeId: bj.userId, state: 'assigned' });
      const moved = await h.service.reassignBranch(bj, inc.id, { branchCode: 'CN-XJ', note: '源在新疆' });
      expect(moved.incident).toMatchObject({ branchCode: 'CN-XJ', assigneeId: null, state: 'triaged' });
      expect(moved.action).toMatchObject({
        kind: 'reassign_branch',
        branchCode: 'CN-BJ',
        targetBranchCode: 'CN-XJ',
        note: '源在新疆',
      });
      await rejects(h.service.getIncident(bj, inc.id), 'not_found');
      const detail = await h.service.getIncident(xj, inc.id);
      expect(detail.actions.map((x) => x.kind)).toEqual(['reassign_branch']);
    });

    it('records actions with the acting branch and updates their outcome', async () => {
      const inc = await h.service.createIncident(bj, { title: 'phish', category: 'phishing' });
      const org = await h.t.db
        .insertInto('organisations')
        .values({
          kind: 'registrar',
          name_zh: '某注册商',
          name_en: 'Some Registrar',
          abbreviation: '',
          country: 'CN',
          branch_code: null,
          website: '',
          registered_in_community: 0,
          support_role: '',
          language: 'zh-CN',
          notify_interval: 'daily',
          notes: '',
          created_at: '2007-01-01T00:00:00.000Z',
          updated_at: '2007-01-01T00:00:00.000Z',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const act = await h.service.addAction(bj, inc.id, {
        kind: 'request_domain_suspension',
        counterpartOrgId: Number(org.id),
        occurredAt: '2007-03-01T07:30:00+08:00',
        note: '请求暂停解析',
      });
      expect(act).toMatchObject({
        branchCode: 'CN-BJ',
        outcome: 'pending',
        occurredAt: '2007-02-28T23:30:00.000Z',
      });
      const nat = await h.service.addAction(national, inc.id, {
        kind: 'contact_cert',
        counterpart: 'JPCERT/CC',
      });
      expect(nat.branchCode).toBe('CN-NATIONAL');
      const done = await h.service.updateAction(bj, inc.id, act.id, { outcome: 'success' });
      expect(done).toMatchObject({ outcome: 'success', note: '请求暂停解析' });
      await rejects(h.service.updateAction(bj, inc.id, 999_999, { outcome: 'success' }), 'not_found');
      const bad = await rejects(
        h.service.addAction(bj, inc.id, { kind: 'contact_isp', counterpartOrgId: 999_999 }),
        'invalid_input',
      );
      expect(bad.fields[0]!.field).toBe('counterpartOrgId');
      const bad2 = await rejects(
        h.service.addAction(bj, inc.id, { kind: 'reassign_branch' }),
        'invalid_input',
      );
      expect(bad2.fields[0]!.field).toBe('kind');
      const detail = await h.service.getIncident(bj, inc.id);
      // Timeline in time order: the earlier action (23:30 the day before) first.
      expect(detail.timeline.map((e) => e.type)).toEqual(['action', 'state', 'action']);
      const audit = await h.service.listAudit(bj, inc.id);
      expect(
        audit
          .filter((r) => r.entity === 'action')
          .map((r) => r.action)
          .sort(),
      ).toEqual(['create', 'create', 'update']);
    });

    it('merges three incidents into one survivor in one transaction, keeping history', async () => {
      const survivor = await h.service.createReport(national, {
        channel: 'email',
        subject: 'Nimaya 蠕虫 A',
        description: 'infected 10.9.0.1',
        category: 'virus-worm-trojan',
      });
      const m1 = await h.service.createReport(national, {
        channel: 'email',
        subject: 'Nimaya B',
        description: 'infected 10.9.0.2',
        category: 'virus-worm-trojan',
      });
      const m2 = await h.service.createReport(national, {
        channel: 'phone',
        subject: '熊猫烧香 C',
        description: 'infected 10.9.0.3',
        category: 'virus-worm-trojan',
        tlp: 'amber+strict',
      });
      const m3 = await h.service.createReport(national, {
        channel: 'fax',
        subject: 'D',
        description: 'infected 10.9.0.4',
        category: 'virus-worm-trojan',
      });
      const ids = [m1, m2, m3].map((r) => r.incident!.id);
      await h.service.addAction(national, ids[0]!, { kind: 'notify_owner', note: 'before merge' });
      const sid = survivor.incident!.id;
      const res = await h.service.merge(national, { survivorId: sid, mergedIds: ids });
      expect(res.movedReportIds.sort((a, b) => a - b)).toEqual(
        [m1, m2, m3].map((r) => r.report.id).sort((a, b) => a - b),
      );
      expect(res.merged.map((m) => [m.state, m.mergedIntoId])).toEqual(ids.map(() => ['merged', sid]));
      expect(res.survivor.tlp).toBe('amber+strict');
      const detail = await h.service.getIncident(national, sid);
      expect(detail.reports).toHaveLength(4);
      expect(new Set(detail.observables.map((o) => o.value))).toEqual(
        new Set(['10.9.0.1', '10.9.0.2', '10.9.0.3', '10.9.0.4']),
      );
      // Merged incidents keep their own actions and history.
      const old = await h.service.getIncident(national, ids[0]!);
      expect(old).toMatchObject({ state: 'merged', mergedIntoId: sid });
      expect(old.actions.map((a) => a.note)).toEqual(['before merge']);
      expect((await h.service.listAudit(national, ids[0]!)).map((r) => r.action)).toEqual([
        'merge',
        'create',
        'create',
        'create',
      ]);
      // Searching an observable of a merged report now finds the survivor only.
      const found = await h.service.searchIncidents(national, { observable: '10.9.0.3' });
      expect(found.items.map((i) => i.id)).toEqual([sid]);
      // The public status follows the survivor.
      await expect(h.service.getReportStatus(m2.trackingNumber, m2.statusSecret)).resolves.toMatchObject({
        state: 'new',
      });
      // A merged incident cannot be merged again, nor survive.
      await rejects(h.service.merge(national, { survivorId: sid, mergedIds: [ids[0]!] }), 'conflict');
      await rejects(h.service.merge(national, { survivorId: ids[1]!, mergedIds: [sid] }), 'conflict');
      await rejects(h.service.merge(bj, { survivorId: sid, mergedIds: [ids[0]!] }), 'forbidden');
      const dup = await rejects(
        h.service.merge(national, { survivorId: sid, mergedIds: [sid] }),
        'invalid_input',
      );
      expect(dup.fields[0]!.field).toBe('mergedIds');
    });

    it('rolls a merge back completely when one incident cannot be merged', async () => {
      const a = await h.service.createIncident(national, { title: 'a', category: 'spam' });
      const b = await h.service.createIncident(national, { title: 'b', category: 'spam' });
      const c = await h.service.createIncident(national, { title: 'c', category: 'spam' });
      await h.service.changeState(national, c.id, { state: 'resolved' });
      await rejects(h.service.merge(national, { survivorId: a.id, mergedIds: [b.id, c.id] }), 'conflict');
      expect((await h.service.getIncident(national, b.id)).state).toBe('new');
      // Out of scope incident in the list: not_found, nothing merged.
      const hiddenInc = await h.service.createIncident(national, {
        title: 'x',
        category: 'spam',
        tlp: 'red',
      });
      const other = await h.user('national_handler');
      const a2 = await h.service.createIncident(other, { title: 'a2', category: 'spam' });
      const b2 = await h.service.createIncident(other, { title: 'b2', category: 'spam' });
      await rejects(
        h.service.merge(other, { survivorId: a2.id, mergedIds: [b2.id, hiddenInc.id] }),
        'not_found',
      );
      expect((await h.service.getIncident(other, b2.id)).state).toBe('new');
    });
  });

  describe('search', () => {
    it('finds Chinese and English substrings in incidents and their reports', async () => {
      const zh = await h.service.createReport(national, {
        channel: 'email',
        subject: '感染“熊猫烧香”病毒的主机',
        description: '大量主机被感染',
        category: 'virus-worm-trojan',
      });
      const en = await h.service.createIncident(national, {
        title: 'Worm outbreak',
        description: 'The NIMAYA worm spreads via shares',
        category: 'virus-worm-trojan',
      });
      const r1 = await h.service.searchIncidents(national, { text: '熊猫烧香' });
      expect(r1.items.map((i) => i.id)).toContain(zh.incident!.id);
      expect(r1.items.map((i) => i.id)).not.toContain(en.id);
      const r2 = await h.service.searchIncidents(national, { text: 'Nimaya' });
      expect(r2.items.map((i) => i.id)).toContain(en.id);
      expect(r2.items.map((i) => i.id)).not.toContain(zh.incident!.id);
      // LIKE wildcards in the term are literal.
      expect((await h.service.searchIncidents(national, { text: '%' })).items).toEqual([]);
    });

    it('flags overdue incidents and filters on them', async () => {
      const h2 = await createIncidentsHarness(dialect, '2007-05-01T00:00:00.000Z');
      try {
        const n = await h2.user('national_handler');
        const crit = await h2.service.createIncident(n, {
          title: 'crit',
          category: 'dos',
          severity: 'critical',
        });
        const low = await h2.service.createIncident(n, { title: 'low', category: 'dos', severity: 'low' });
        const doneEarly = await h2.service.createIncident(n, {
          title: 'done',
          category: 'dos',
          severity: 'critical',
        });
        await h2.service.changeState(n, doneEarly.id, { state: 'resolved' });
        h2.clock.advance(5 * 3_600_000);
        const c = await h2.service.getIncident(n, crit.id);
        expect(c.overdue).toBe(true);
        expect((await h2.service.getIncident(n, low.id)).overdue).toBe(false);
        expect((await h2.service.getIncident(n, doneEarly.id)).overdue).toBe(false);
        const over = await h2.service.searchIncidents(n, { overdue: true });
        expect(over.items.map((i) => i.id)).toEqual([crit.id]);
        expect(over.items[0]!.overdue).toBe(true);
      } finally {
        await h2.destroy();
      }
    });

    it('filters by state, category, branch, assignee, severity, dates; sorts and pages by keyset', async () => {
      const h3 = await createIncidentsHarness(dialect, '2007-01-10T00:00:00.000Z');
      try {
        const n = await h3.user('national_handler');
        const b = await h3.user('branch_handler', 'CN-SH');
        const ids: number[] = [];
        const sev = ['low', 'medium', 'high', 'critical'] as const;
        for (let i = 0; i < 12; i++) {
          const inc = await h3.service.createIncident(n, {
            title: `t${i}`,
            category: i % 2 ? 'phishing' : 'spam',
            severity: sev[i % 4],
            branchCode: i % 3 === 0 ? 'CN-SH' : 'CN-GD',
            openedAt: `2007-01-${String(i + 1).padStart(2, '0')}T00:00:00Z`,
          });
          ids.push(inc.id);
        }
        await h3.service.assign(n, ids[0]!, { assigneeId: b.userId });
        await h3.service.changeState(n, ids[1]!, { state: 'resolved' });

        const phishing = await h3.service.searchIncidents(n, { categories: ['phishing'] });
        expect(phishing.items.map((i) => i.id)).toEqual(ids.filter((_, i) => i % 2).reverse());
        expect(phishing.total).toBe(6);
        expect(phishing.totalIsLowerBound).toBe(false);
        const sh = await h3.service.searchIncidents(n, { branchCodes: ['CN-SH'], sort: 'id', order: 'asc' });
        expect(sh.items.map((i) => i.id)).toEqual([ids[0], ids[3], ids[6], ids[9]]);
        expect(
          (await h3.service.searchIncidents(n, { assigneeId: b.userId! })).items.map((i) => i.id),
        ).toEqual([ids[0]]);
        expect((await h3.service.searchIncidents(n, { assigneeId: 'none' })).total).toBe(11);
        expect(
          (await h3.service.searchIncidents(n, { states: ['resolved'] })).items.map((i) => i.id),
        ).toEqual([ids[1]]);
        expect((await h3.service.searchIncidents(n, { states: ['assigned', 'new'] })).total).toBe(11);
        expect((await h3.service.searchIncidents(n, { severities: ['critical'] })).total).toBe(3);
        const jan = await h3.service.searchIncidents(n, {
          openedFrom: '2007-01-03',
          openedTo: '2007-01-05',
          sort: 'opened_at',
          order: 'asc',
        });
        expect(jan.items.map((i) => i.id)).toEqual([ids[2], ids[3], ids[4]]);
        const res = await h3.service.searchIncidents(n, {
          resolvedFrom: '2007-01-10',
          resolvedTo: '2007-01-10',
        });
        expect(res.items.map((i) => i.id)).toEqual([ids[1]]);
        // The branch handler of CN-SH only ever sees CN-SH.
        expect((await h3.service.searchIncidents(b, {})).total).toBe(4);
        expect((await h3.service.searchIncidents(b, { branchCodes: ['CN-GD'] })).total).toBe(0);

        // Keyset paging over every sort, both directions: pages concatenate to the full order.
        for (const sort of ['id', 'opened_at', 'due_at', 'severity'] as const) {
          for (const order of ['asc', 'desc'] as const) {
            const full = await h3.service.searchIncidents(n, { sort, order, limit: 100 });
            const seen: number[] = [];
            let cursor: string | undefined;
            for (let guard = 0; guard < 10; guard++) {
              const page = await h3.service.searchIncidents(n, {
                sort,
                order,
                limit: 5,
                ...(cursor ? { cursor } : {}),
              });
              expect(page.total).toBe(12);
              seen.push(...page.items.map((i) => i.id));
              if (!page.nextCursor) break;
              cursor = page.nextCursor;
            }
            expect(seen).toEqual(full.items.map((i) => i.id));
            expect(new Set(seen).size).toBe(12);
          }
        }
        const bySeverity = await h3.service.searchIncidents(n, { sort: 'severity', order: 'desc', limit: 3 });
        expect(bySeverity.items.map((i) => i.severity)).toEqual(['critical', 'critical', 'critical']);
        const offset = await h3.service.searchIncidents(n, { limit: 5, offset: 10 });
        expect(offset.items.map((i) => i.id)).toEqual([ids[1], ids[0]]);
        // A cursor from another sort is refused.
        const p1 = await h3.service.searchIncidents(n, { limit: 2 });
        const e = await rejects(
          h3.service.searchIncidents(n, { limit: 2, sort: 'opened_at', cursor: p1.nextCursor! }),
          'invalid_input',
        );
        expect(e.fields[0]!.field).toBe('cursor');
        const e2 = await rejects(
          h3.service.searchIncidents(n, { limit: 0, states: ['open' as 'new'] }),
          'invalid_input',
        );
        expect(e2.fields.map((f) => f.field).sort()).toEqual(['limit', 'states.0']);
      } finally {
        await h3.destroy();
      }
    });

    it('searches observables: CIDR, domain suffix, URL, e-mail, hash; bad terms are invalid_input', async () => {
      const h = await createIncidentsHarness(dialect);
      const national = await h.user('national_handler');
      const a = await h.service.createReport(national, {
        channel: 'feed',
        subject: 'bot list',
        description:
          'bots 10.1.2.3 and 2001:db8::5 c2 cc.botnet.example.net payload http://dl.example.org/x.exe md5 d41d8cd98f00b204e9800998ecf8427e mail abuse@isp.example.cn',
        category: 'virus-worm-trojan',
      });
      const b = await h.service.createReport(national, {
        channel: 'feed',
        subject: 'other',
        description: 'host 10.2.0.1 at notexample.net',
        category: 'scanning',
      });
      const idA = a.incident!.id;
      const idB = b.incident!.id;
      const q = async (observable: string) =>
        (await h.service.searchIncidents(national, { observable })).items.map((i) => i.id);
      expect(await q('10.1.0.0/16')).toEqual([idA]);
      expect(await q('10.1.2.3')).toEqual([idA]);
      expect(await q('10.2.0.1')).toEqual([idB]);
      expect(await q('10.0.0.0/8')).toEqual([idB, idA]);
      expect(await q('10.3.0.0/16')).toEqual([]);
      expect(await q('2001:db8::/32')).toEqual([idA]);
      expect(await q('botnet.example.net')).toEqual([idA]);
      expect(await q('example.net')).toEqual([idA]);
      expect(await q('example.org')).toEqual([idA]);
      expect(await q('hxxp://dl[.]example[.]org/x.exe')).toEqual([idA]);
      expect(await q('D41D8CD98F00B204E9800998ECF8427E')).toEqual([idA]);
      expect(await q('abuse@isp.example.cn')).toEqual([idA]);
      const e = await rejects(
        h.service.searchIncidents(national, { observable: 'not an indicator' }),
        'invalid_input',
      );
      expect(e.fields[0]!.field).toBe('observable');
      const e2 = await rejects(
        h.service.searchIncidents(national, { observable: '10.0.0.0/33' }),
        'invalid_input',
      );
      expect(e2.fields[0]!.field).toBe('observable');
      await h.destroy();
    });

    it('exports every matching incident in scope, across pages, and audits the export', async () => {
      const rows: number[] = [];
      for await (const i of await h.service.exportIncidents(bj, { sort: 'id', order: 'asc' }))
        rows.push(i.id);
      const viaSearch = await h.service.searchIncidents(bj, { sort: 'id', order: 'asc', limit: 500 });
      expect(rows).toEqual(viaSearch.items.map((i) => i.id));
      expect(rows.length).toBeGreaterThan(0);
      const all = await h.service.searchIncidents(national, { limit: 500 });
      expect(all.items.some((i) => i.branchCode === 'CN-XJ')).toBe(true);
      for (const id of rows) expect(all.items.find((i) => i.id === id)?.branchCode).toBe('CN-BJ');
      const audit = await h.audit.list({ entity: 'incident', entityId: '*', limit: 5 });
      expect(audit[0]).toMatchObject({ action: 'export', actorId: bj.userId });
    });
  });
});
