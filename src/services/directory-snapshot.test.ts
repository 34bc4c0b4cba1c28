import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../../test/support/db.ts';
import type { Actor } from '../core/auth/actor.ts';
import { fixedClock } from '../core/shared/clock.ts';
import { createAuditRepository } from '../db/repositories/audit.repository.ts';
import { createDirectoryRepository } from '../db/repositories/directory.repository.ts';
import { createContactExpert } from '../pipeline/experts/contact.expert.ts';
import { createDirectoryService, type DirectoryService } from './directory.service.ts';

const admin: Actor = {
  kind: 'user',
  userId: 1,
  label: 'admin',
  role: 'admin',
  branchCode: null,
  ip: '192.0.2.1',
};

describe.each(DIALECTS)('directory enrichment snapshot on %s', (dialect) => {
  let t: TestDatabase;
  let svc: DirectoryService;

  beforeAll(async () => {
    t = await createTestDatabase(dialect);
    svc = createDirectoryService({
      directory: createDirectoryRepository(t.db),
      audit: createAuditRepository(t.db),
      clock: fixedClock('2007-07-01T08:00:00.000Z'),
    });
    await svc.seedDefaults();
  });
  afterAll(async () => {
    await t.destroy();
  });

  it('is empty of resources on a fresh directory but lists the seeded organisations', async () => {
    const s = await svc.getEnrichmentSnapshot();
    expect(s.networks).toEqual([]);
    expect(s.asns).toEqual([]);
    expect(s.domains).toEqual([]);
    expect(s.orgs).toHaveLength(85);
    expect(s.orgs.every((o) => typeof o.id === 'number' && o.abuseEmail === null)).toBe(true);
  });

  it('gives every network, ASN and domain with its organisation and the abuse e-mail by role', async () => {
    const isp = await svc.createOrganisation(admin, {
      kind: 'isp',
      nameZh: '广东电信',
      nameEn: 'Guangdong Telecom',
      branchCode: 'CN-GD',
    });
    const host = await svc.createOrganisation(admin, {
      kind: 'hosting',
      nameEn: 'Small Host',
      abbreviation: 'SH',
    });
    const bare = await svc.createOrganisation(admin, { kind: 'enterprise', abbreviation: 'BARE' });
    await svc.addResource(admin, isp.id, { cidr: '202.96.128.0/18' });
    await svc.addResource(admin, host.id, { cidr: '202.96.128.0/24' });
    await svc.addResource(admin, host.id, { cidr: '2001:db8::/32' });
    await svc.addResource(admin, isp.id, { asn: 'AS4134' });
    await svc.addResource(admin, host.id, { domain: 'Host.Example.CN' });
    // isp: a security contact first, then two abuse contacts → the first abuse e-mail.
    await svc.addContact(admin, isp.id, { role: 'security', email: 'sec@gd.example.cn' });
    await svc.addContact(admin, isp.id, { role: 'abuse', email: 'abuse@gd.example.cn' });
    await svc.addContact(admin, isp.id, { role: 'abuse', email: 'abuse2@gd.example.cn' });
    // host: no abuse contact → security; a technical contact never counts.
    await svc.addContact(admin, host.id, { role: 'technical', email: 'noc@host.example.cn' });
    await svc.addContact(admin, host.id, { role: 'security', email: 'cert@host.example.cn' });
    // bare: an abuse contact with a phone only → no e-mail.
    await svc.addContact(admin, bare.id, { role: 'abuse', phone: '+86 20 0000 0000' });

    const s = await svc.getEnrichmentSnapshot();
    expect(s.networks).toEqual([
      { cidr: '202.96.128.0/18', orgId: isp.id },
      { cidr: '202.96.128.0/24', orgId: host.id },
      { cidr: '2001:db8::/32', orgId: host.id },
    ]);
    expect(s.asns).toEqual([{ asn: 4134, orgId: isp.id }]);
    expect(s.domains).toEqual([{ domain: 'host.example.cn', orgId: host.id }]);
    const byId = new Map(s.orgs.map((o) => [o.id, o]));
    expect(byId.get(isp.id)).toEqual({
      id: isp.id,
      name: '广东电信',
      abuseEmail: 'abuse@gd.example.cn',
      branchCode: 'CN-GD',
    });
    expect(byId.get(host.id)).toEqual({
      id: host.id,
      name: 'Small Host',
      abuseEmail: 'cert@host.example.cn',
      branchCode: null,
    });
    expect(byId.get(bare.id)).toMatchObject({ name: 'BARE', abuseEmail: null });

    // The in-memory contact expert built from it agrees with the directory's own SQL lookups.
    const expert = createContactExpert(s);
    for (const ip of ['202.96.128.86', '202.96.129.1', '2001:db8:1::1', '8.8.8.8']) {
      const sql = await svc.findResponsibleForIp(ip);
      expect(expert.lookup({ ip })?.org.id ?? null).toBe(sql?.organisation.id ?? null);
    }
    expect(expert.lookup({ fqdn: 'www.host.example.cn' })?.org.id).toBe(
      (await svc.findResponsibleForDomain('www.host.example.cn'))!.organisation.id,
    );
  });
});
