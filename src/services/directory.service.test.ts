import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../../test/support/db.ts';
import type { Actor } from '../core/auth/actor.ts';
import type { Role } from '../core/auth/roles.ts';
import { organisationFromCsvRow } from '../core/directory/directory-import.ts';
import { fixedClock } from '../core/shared/clock.ts';
import { DomainError } from '../core/shared/errors.ts';
import { createAuditRepository } from '../db/repositories/audit.repository.ts';
import { createDirectoryRepository } from '../db/repositories/directory.repository.ts';
import { createDirectoryService, type DirectoryService } from './directory.service.ts';

function actor(role: Role, branchCode: string | null = null): Actor {
  return { kind: 'user', userId: 7, label: `${role}-user`, role, branchCode, ip: '192.0.2.1' };
}
const admin = actor('admin');
const analyst = actor('analyst');

async function rejection(p: Promise<unknown>): Promise<DomainError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DomainError);
  return e as DomainError;
}

describe.each(DIALECTS)('directory service on %s', (dialect) => {
  let t: TestDatabase;
  let svc: DirectoryService;
  const clock = fixedClock('2007-07-01T08:00:00.000Z');

  beforeAll(async () => {
    t = await createTestDatabase(dialect);
    svc = createDirectoryService({
      directory: createDirectoryRepository(t.db),
      audit: createAuditRepository(t.db),
      clock,
    });
  });
  afterAll(async () => {
    await t.destroy();
  });

  it('seeds 31 branches + the national centre and the §11 organisations, idempotently', async () => {
    const first = await svc.seedDefaults();
    expect(first).toEqual({ branchesInserted: 32, organisationsInserted: 85 });
    const again = await svc.seedDefaults();
    expect(again).toEqual({ branchesInserted: 0, organisationsInserted: 0 });

    const branches = await svc.listBranches(analyst);
    expect(branches).toHaveLength(32);
    expect(branches.filter((b) => !b.isNational)).toHaveLength(31);
    expect(branches[0]).toMatchObject({ code: 'CN-NATIONAL', isNational: true, nameZh: '国家中心' });
    expect(await svc.getBranch(analyst, 'cn-xj')).toMatchObject({
      nameZh: '新疆维吾尔自治区',
      shortZh: '新疆',
    });

    const certs = await svc.searchOrganisations(analyst, { kind: 'cert', pageSize: 100 });
    expect(certs.total).toBe(57);
    expect(certs.items.filter((o) => o.registeredInCommunity)).toHaveLength(30);
    expect(certs.items[0]).toMatchObject({ nameZh: '上海三零卫士信息安全有限公司', abbreviation: '30Wish' });
    expect((await svc.searchOrganisations(analyst, { supportRole: 'national-support' })).total).toBe(8);
    expect((await svc.searchOrganisations(analyst, { supportRole: 'provincial-support' })).total).toBe(26);
    expect((await svc.searchOrganisations(analyst, {})).total).toBe(85);

    // The seed is audited; a later start changes nothing, even after a branch was removed
    // (branches are seeded into an empty table only).
    const seedAudit = await createAuditRepository(t.db).list({
      entity: 'branch',
      entityId: 'CN-HI',
      limit: 5,
    });
    expect(seedAudit).toEqual([expect.objectContaining({ actor: 'system:seed', action: 'create' })]);
    await t.db.deleteFrom('branches').where('code', '=', 'CN-HI').execute();
    expect(await svc.seedDefaults()).toEqual({ branchesInserted: 0, organisationsInserted: 0 });
    await svc.importBranches(admin, [
      {
        ref: 'item 1',
        data: { code: 'CN-HI', nameZh: '海南省', nameEn: 'Hainan', shortZh: '海南', sortOrder: 21 },
      },
    ]);
    expect((await svc.listBranches(analyst)).map((b) => b.code)).toEqual(
      (await createDirectoryRepository(t.db).listBranches()).map((b) => b.code),
    );
    expect(await svc.getBranch(analyst, 'CN-HI')).toMatchObject({ sortOrder: 21, isNational: false });
  });

  it('seeds safely when two processes start at once', async () => {
    const t2 = await createTestDatabase(dialect);
    try {
      const mk = () =>
        createDirectoryService({
          directory: createDirectoryRepository(t2.db),
          audit: createAuditRepository(t2.db),
          clock,
        });
      const results = await Promise.all([mk().seedDefaults(), mk().seedDefaults()]);
      expect(results.map((r) => r.organisationsInserted).sort()).toEqual([0, 85]);
      const n = await t2.db
        .selectFrom('organisations')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(n.n)).toBe(85);
    } finally {
      await t2.destroy();
    }
  });

  it('leaves a CERT of another country its own branch list and seeds no Chinese organisations', async () => {
    const t2 = await createTestDatabase(dialect);
    try {
      const other = createDirectoryService({
        directory: createDirectoryRepository(t2.db),
        audit: createAuditRepository(t2.db),
        clock,
      });
      await other.importBranches(admin, [
        {
          ref: 'item 1',
          data: { code: 'DE-BY', nameZh: '巴伐利亚州', nameEn: 'Bavaria', aliases: ['Bayern'] },
        },
        { ref: 'item 2', data: { code: 'DE-BE', nameEn: 'Berlin' } },
      ]);
      expect(await other.seedDefaults()).toEqual({ branchesInserted: 0, organisationsInserted: 0 });
      expect((await other.listBranches(analyst)).map((b) => b.code)).toEqual(['DE-BY', 'DE-BE']);
      expect((await other.searchOrganisations(analyst, {})).total).toBe(0);
      expect((await other.getBranchMatcher()).match('BAYERN')).toBe('DE-BY');
    } finally {
      await t2.destroy();
    }
  });

  it('searches by substring of the Chinese name, English name or abbreviation, with paging', async () => {
    const byZh = await svc.searchOrganisations(analyst, { q: '安天' });
    expect(byZh.items.map((o) => o.abbreviation)).toContain('Antiy Labs');
    const byAbbr = await svc.searchOrganisations(analyst, { q: 'cncert' });
    expect(byAbbr.items.map((o) => o.abbreviation)).toEqual(['CNCERT/CC']);
    const page2 = await svc.searchOrganisations(analyst, { kind: 'cert', page: 2, pageSize: 10 });
    expect(page2).toMatchObject({ total: 57, page: 2, pageSize: 10 });
    expect(page2.items).toHaveLength(10);
    expect(page2.items[0]!.abbreviation).toBe('CVICSE');
    const inShanghai = await svc.searchOrganisations(analyst, { branch: 'CN-SH', pageSize: 200 });
    expect(inShanghai.items.every((o) => o.branchCode === 'CN-SH')).toBe(true);
    expect(inShanghai.items.map((o) => o.nameZh)).toContain('上海交通大学计算机紧急响应组');
    // LIKE wildcards are literal.
    expect((await svc.searchOrganisations(analyst, { q: '%' })).total).toBe(0);
    const bad = await rejection(svc.searchOrganisations(analyst, { kind: 'bank' as never, page: 0 }));
    expect(bad.fields.map((f) => f.field).sort()).toEqual(['kind', 'page']);
  });

  it('creates, reads, updates and deletes an organisation with contacts, audited', async () => {
    const org = await svc.createOrganisation(admin, {
      kind: 'isp',
      nameZh: '中国电信新疆分公司',
      nameEn: 'China Telecom Xinjiang',
      branchCode: 'CN-XJ',
      notifyInterval: 'hourly',
    });
    expect(org).toMatchObject({
      kind: 'isp',
      branchCode: 'CN-XJ',
      notifyInterval: 'hourly',
      language: 'zh-CN',
      contacts: [],
    });
    const c = await svc.addContact(admin, org.id, {
      role: 'abuse',
      email: 'abuse@xj.example.cn',
      language: 'en',
    });
    expect(c).toMatchObject({ organisationId: org.id, role: 'abuse', email: 'abuse@xj.example.cn' });
    const updated = await svc.updateOrganisation(admin, org.id, {
      website: 'https://xj.example.cn',
      notes: '24×7 NOC',
    });
    expect(updated).toMatchObject({
      website: 'https://xj.example.cn',
      notes: '24×7 NOC',
      nameZh: '中国电信新疆分公司',
    });
    expect(updated.contacts).toHaveLength(1);
    const c2 = await svc.updateContact(admin, c.id, { phone: '+86 991 0000000' });
    expect(c2.phone).toBe('+86 991 0000000');

    const audit = await createAuditRepository(t.db).list({
      entity: 'organisation',
      entityId: String(org.id),
      limit: 10,
    });
    expect(audit.map((a) => a.action)).toEqual(['update', 'create']);
    expect(audit[0]).toMatchObject({
      actor: 'admin-user',
      actorId: 7,
      ip: '192.0.2.1',
      before: { notes: '' },
      after: { notes: '24×7 NOC' },
    });

    await svc.removeContact(admin, c.id);
    expect((await svc.getOrganisation(analyst, org.id)).contacts).toEqual([]);
    // An organisation a report refers to cannot be deleted: 409, and it is still there.
    await t.db
      .insertInto('reports')
      .values({
        tracking_number: 'T-DIR-1',
        channel: 'web',
        reporter_org_id: org.id,
        received_at: 'x',
        created_at: 'x',
      } as never)
      .execute();
    expect((await rejection(svc.deleteOrganisation(admin, org.id))).id).toBe('conflict');
    await t.db.deleteFrom('reports').where('tracking_number', '=', 'T-DIR-1').execute();
    await svc.deleteOrganisation(admin, org.id);
    expect((await rejection(svc.getOrganisation(analyst, org.id))).id).toBe('not_found');
    expect((await rejection(svc.deleteOrganisation(admin, org.id))).id).toBe('not_found');
  });

  it('rejects bad input with the field names', async () => {
    const e1 = await rejection(
      svc.createOrganisation(admin, { kind: 'bank', website: 'ftp://x', country: 'China' }),
    );
    expect(e1.id).toBe('invalid_input');
    expect(e1.fields.map((f) => f.field).sort()).toEqual(['country', 'kind', 'website']);
    const e2 = await rejection(svc.createOrganisation(admin, { kind: 'isp' }));
    expect(e2.fields).toEqual([expect.objectContaining({ field: 'nameZh' })]);
    const e3 = await rejection(
      svc.createOrganisation(admin, { kind: 'isp', nameZh: 'X', branchCode: 'CN-ZZ' }),
    );
    expect(e3.fields).toEqual([{ field: 'branchCode', message: 'no branch with code CN-ZZ' }]);
    const org = await svc.createOrganisation(admin, { kind: 'hosting', abbreviation: 'HOST' });
    const e4 = await rejection(svc.addContact(admin, org.id, { role: 'boss', email: 'not-an-email' }));
    expect(e4.fields.map((f) => f.field).sort()).toEqual(['email', 'role']);
    const e5 = await rejection(svc.addContact(admin, org.id, { role: 'abuse' }));
    expect(e5.fields).toEqual([expect.objectContaining({ field: 'email' })]);
    const e6 = await rejection(svc.addResource(admin, org.id, { cidr: '10.0.0.0/40' }));
    expect(e6.fields[0]!.field).toBe('cidr');
    const e7 = await rejection(svc.addResource(admin, org.id, { cidr: '10.0.0.0/8', asn: 1 }));
    expect(e7.fields[0]!.message).toMatch(/exactly one/);
    const e8 = await rejection(svc.updateOrganisation(admin, org.id, { abbreviation: '' }));
    expect(e8.fields[0]!.field).toBe('nameZh');
    expect((await rejection(svc.addContact(admin, 999999, { email: 'a@b.cn' }))).id).toBe('not_found');
  });

  it('lets an analyst read but not write, and audits the refusal', async () => {
    const e = await rejection(svc.createOrganisation(analyst, { kind: 'isp', nameZh: '不应存在' }));
    expect(e.id).toBe('forbidden');
    expect((await rejection(svc.addResource(actor('branch_handler', 'CN-BJ'), 1, { asn: 4134 }))).id).toBe(
      'forbidden',
    );
    expect((await svc.searchOrganisations(analyst, { q: '不应存在' })).total).toBe(0);
    const denied = await createAuditRepository(t.db).list({ entity: 'directory', limit: 5 });
    expect(denied[0]).toMatchObject({ action: 'denied', actor: 'branch_handler-user' });
    expect((await rejection(svc.listBranches(actor('reporter')))).id).toBe('forbidden');
  });

  it('finds the most specific network for an IP, IPv4 and IPv6', async () => {
    const big = await svc.createOrganisation(admin, { kind: 'isp', nameZh: '大网运营商' });
    const small = await svc.createOrganisation(admin, { kind: 'hosting', nameZh: '小网托管商' });
    const v6 = await svc.createOrganisation(admin, { kind: 'isp', nameEn: 'V6 Net' });
    await svc.addResource(admin, big.id, { cidr: '10.0.0.0/8' });
    await svc.addResource(admin, small.id, { cidr: '10.1.2.0/24' });
    await svc.addResource(admin, small.id, { cidr: '10.1.2.128/25' }); // same org, more specific
    await svc.addResource(admin, big.id, { cidr: '10.1.0.0/16' });
    await svc.addResource(admin, v6.id, { cidr: '2001:db8::/32' });
    await svc.addContact(admin, small.id, { role: 'technical', email: 'noc@small.example' });
    await svc.addContact(admin, small.id, { role: 'abuse', email: 'abuse@small.example' });

    const inner = await svc.findResponsibleForIp('10.1.2.3');
    expect(inner).toMatchObject({
      organisation: { id: small.id },
      match: { kind: 'network', cidr: '10.1.2.0/24' },
    });
    expect(inner!.abuseContacts.map((c) => c.email)).toEqual(['abuse@small.example']);
    expect((await svc.findResponsibleForIp('10.1.2.200'))!.match).toEqual({
      kind: 'network',
      cidr: '10.1.2.128/25',
    });
    expect((await svc.findResponsibleForIp('10.1.3.1'))!.match).toEqual({
      kind: 'network',
      cidr: '10.1.0.0/16',
    });
    expect(await svc.findResponsibleForIp('10.200.0.1')).toMatchObject({
      organisation: { id: big.id },
      match: { cidr: '10.0.0.0/8' },
      abuseContacts: [],
    });
    expect(await svc.findResponsibleForIp('11.0.0.1')).toBeNull();
    expect((await svc.findResponsibleForIp('2001:db8:1::5'))!.organisation.id).toBe(v6.id);
    expect(await svc.findResponsibleForIp('2001:db9::1')).toBeNull();
    expect((await rejection(svc.findResponsibleForIp('10.1.2'))).fields[0]!.field).toBe('ip');

    // Adding the same network twice is a conflict; removing it makes the lookup fall back.
    expect((await rejection(svc.addResource(admin, small.id, { cidr: '10.1.2.7/24' }))).id).toBe('conflict');
    const details = await svc.getOrganisation(analyst, small.id);
    const net24 = details.networks.find((n) => n.cidr === '10.1.2.0/24')!;
    await svc.removeResource(admin, 'network', net24.id);
    expect((await svc.findResponsibleForIp('10.1.2.3'))!.match).toEqual({
      kind: 'network',
      cidr: '10.1.0.0/16',
    });
  });

  it('finds the covering network among many siblings (index lookup, not a scan)', async () => {
    const carrier = await svc.createOrganisation(admin, { kind: 'isp', nameZh: '骨干网' });
    const customers = await svc.createOrganisation(admin, { kind: 'enterprise', nameZh: '众多客户' });
    await svc.addResource(admin, carrier.id, { cidr: '100.64.0.0/10' });
    for (let i = 0; i < 300; i++) {
      await svc.addResource(admin, customers.id, { cidr: `100.${64 + (i >> 8)}.${i & 255}.0/24` });
    }
    expect((await svc.findResponsibleForIp('100.64.200.9'))!.match).toEqual({
      kind: 'network',
      cidr: '100.64.200.0/24',
    });
    expect((await svc.findResponsibleForIp('100.65.43.1'))!.match).toEqual({
      kind: 'network',
      cidr: '100.65.43.0/24',
    });
    // Past every /24 (they end at 100.65.43.255) but inside the /10.
    expect((await svc.findResponsibleForIp('100.127.255.254'))!.organisation.id).toBe(carrier.id);
    expect((await svc.findResponsibleForIp('100.65.44.0'))!.match).toEqual({
      kind: 'network',
      cidr: '100.64.0.0/10',
    });
  });

  it('finds the organisation of an ASN and the longest domain suffix', async () => {
    const telecom = await svc.createOrganisation(admin, {
      kind: 'isp',
      nameZh: '中国电信',
      abbreviation: 'CHINANET',
    });
    const registrar = await svc.createOrganisation(admin, { kind: 'registrar', nameZh: '某注册商' });
    const shop = await svc.createOrganisation(admin, { kind: 'enterprise', nameZh: '某网店' });
    await svc.addResource(admin, telecom.id, { asn: 'AS4134' });
    await svc.addResource(admin, registrar.id, { domain: 'example.cn' });
    await svc.addResource(admin, shop.id, { domain: 'Shop.Example.CN.' });
    await svc.addContact(admin, telecom.id, { role: 'security', email: 'sec@chinanet.example' });

    const asn = await svc.findResponsibleForAsn(4134);
    expect(asn).toMatchObject({ organisation: { id: telecom.id }, match: { kind: 'asn', asn: 4134 } });
    expect(asn!.abuseContacts.map((c) => c.email)).toEqual(['sec@chinanet.example']); // security when no abuse contact
    expect((await svc.findResponsibleForAsn('as4134'))!.organisation.id).toBe(telecom.id);
    expect(await svc.findResponsibleForAsn(4837)).toBeNull();

    expect(await svc.findResponsibleForDomain('a.b.example.cn')).toMatchObject({
      organisation: { id: registrar.id },
      match: { domain: 'example.cn' },
    });
    expect(await svc.findResponsibleForDomain('www.shop.example.cn')).toMatchObject({
      organisation: { id: shop.id },
      match: { domain: 'shop.example.cn' },
    });
    expect((await svc.findResponsibleForDomain('EXAMPLE.cn'))!.organisation.id).toBe(registrar.id);
    expect(await svc.findResponsibleForDomain('notexample.cn')).toBeNull();
    expect(await svc.findResponsibleForDomain('example.com')).toBeNull();

    expect((await svc.lookup(analyst, { domain: 'x.example.cn' }))!.organisation.id).toBe(registrar.id);
    expect((await svc.lookup(analyst, { asn: '4134' }))!.organisation.id).toBe(telecom.id);
    expect((await rejection(svc.lookup(analyst, {}))).id).toBe('invalid_input');
    expect((await rejection(svc.lookup(analyst, { ip: '1.1.1.1', asn: '1' }))).fields[0]!.field).toBe('asn');
  });

  it('imports rows, keeps the good ones and names the line and column of a bad one', async () => {
    const rows: Record<string, string>[] = [
      {
        kind: 'isp',
        name_zh: '导入运营商甲',
        branch: '新疆',
        networks: '172.16.0.0/12; 172.16.5.0/24',
        asns: 'AS64500',
        abuse_email: 'abuse@a.example',
      },
      {
        kind: 'hosting',
        abbreviation: 'IMPORT-B',
        branch: 'CN-BJ',
        domains: 'b.example; c.example',
        registered_in_community: 'yes',
      },
      { kind: 'isp', name_zh: '导入运营商丙', networks: '172.16.0.0/33' },
      { kind: 'isp', name_zh: '导入运营商丁', abuse_email: 'not-an-email' },
      { kind: 'isp', name_zh: '导入运营商戊', branch: 'Atlantis' },
      { kind: 'vendor', name_zh: '导入厂商己', security_phone: '+86 10 1234' },
    ];
    const records = rows.map((row, i) => ({ ref: `line ${i + 2}`, ...organisationFromCsvRow(row) }));
    const r = await svc.importOrganisations(admin, records);
    expect(r.created).toBe(3);
    expect(r.errors).toEqual([
      { ref: 'line 4', field: 'networks', message: '"172.16.0.0/33" is not an IPv4/IPv6 network (CIDR)' },
      { ref: 'line 5', field: 'abuse_email', message: 'expected an e-mail address' },
      { ref: 'line 6', field: 'branch', message: 'unknown branch "Atlantis"' },
    ]);
    const a = (await svc.searchOrganisations(analyst, { q: '导入运营商甲' })).items[0]!;
    expect(a.branchCode).toBe('CN-XJ');
    const ad = await svc.getOrganisation(analyst, a.id);
    expect(ad.networks.map((n) => n.cidr)).toEqual(['172.16.0.0/12', '172.16.5.0/24']);
    expect(ad.asns.map((x) => x.asn)).toEqual([64500]);
    expect(ad.contacts).toEqual([expect.objectContaining({ role: 'abuse', email: 'abuse@a.example' })]);
    expect((await svc.searchOrganisations(analyst, { q: '导入运营商丙' })).total).toBe(0);

    // Re-importing updates by key and adds what is new, never duplicates.
    const again = await svc.importOrganisations(admin, [
      {
        ref: 'line 2',
        ...organisationFromCsvRow({
          kind: 'isp',
          name_zh: '导入运营商甲',
          name_en: 'Import ISP A',
          networks: '172.16.0.0/12;10.9.0.0/16',
          abuse_email: 'abuse@a.example',
          abuse_phone: '110',
        }),
      },
      {
        ref: 'line 3',
        ...organisationFromCsvRow({ kind: 'hosting', abbreviation: 'import-b2', name_en: 'B' }),
      },
    ]);
    expect(again).toEqual({ created: 1, updated: 1, errors: [] });
    const ad2 = await svc.getOrganisation(analyst, a.id);
    expect(ad2).toMatchObject({ nameEn: 'Import ISP A', branchCode: 'CN-XJ' });
    expect(ad2.networks.map((n) => n.cidr)).toEqual(['10.9.0.0/16', '172.16.0.0/12', '172.16.5.0/24']);
    expect(ad2.contacts).toEqual([expect.objectContaining({ email: 'abuse@a.example', phone: '110' })]);
    expect((await svc.findResponsibleForIp('172.16.5.9'))!.organisation.id).toBe(a.id);

    expect((await rejection(svc.importOrganisations(analyst, records))).id).toBe('forbidden');
  });

  it('loads another branch list and the matcher follows it', async () => {
    const r = await svc.importBranches(admin, [
      {
        ref: 'item 1',
        data: {
          code: 'CN-TW',
          nameZh: '台湾省',
          nameEn: 'Taiwan',
          shortZh: '台湾',
          aliases: ['Taiwan Sheng'],
        },
      },
      {
        ref: 'item 2',
        data: {
          code: 'CN-XJ',
          nameZh: '新疆维吾尔自治区',
          nameEn: 'Xinjiang',
          shortZh: '新疆',
          aliases: ['Sinkiang'],
        },
      },
      { ref: 'item 3', data: { code: 'bad code', nameEn: 'X' } },
    ]);
    expect(r).toEqual({
      created: 1,
      updated: 1,
      errors: [{ ref: 'item 3', field: 'code', message: 'expected a branch code like CN-XJ or CN-NATIONAL' }],
    });
    const m = await svc.getBranchMatcher();
    expect(m.match('台湾')).toBe('CN-TW');
    expect(m.match('SINKIANG')).toBe('CN-XJ');
    expect((await svc.getBranch(analyst, 'CN-XJ')).aliases).toEqual(['Sinkiang']);
    // A branch keeps its place in the list; a new one comes last.
    const codes = (await svc.listBranches(analyst)).map((b) => b.code);
    expect(codes.slice(-2)).toEqual(['CN-XJ', 'CN-TW']);
    expect((await rejection(svc.getBranch(analyst, 'CN-ZZ'))).id).toBe('not_found');
  });
});
