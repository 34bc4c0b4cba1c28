import { describe, expect, it } from 'vitest';
import certDirectory from './data/cert-directory.json' with { type: 'json' };
import { DEFAULT_BRANCHES, DEFAULT_ORGANISATIONS } from './defaults.ts';

describe('default directory data', () => {
  it('has the national centre and the 31 provincial branches', () => {
    expect(DEFAULT_BRANCHES).toHaveLength(32);
    expect(DEFAULT_BRANCHES.filter((b) => b.isNational).map((b) => b.code)).toEqual(['CN-NATIONAL']);
    expect(new Set(DEFAULT_BRANCHES.map((b) => b.code)).size).toBe(32);
  });

  it('has the seed report §11 counts: 57 CERTs (30 registered), 8 national and 26 provincial support units', () => {
    const certs = DEFAULT_ORGANISATIONS.filter((o) => o.kind === 'cert');
    expect(certs).toHaveLength(57);
    expect(certs.filter((o) => o.registeredInCommunity)).toHaveLength(30);
    expect(DEFAULT_ORGANISATIONS.filter((o) => o.supportRole === 'national-support')).toHaveLength(8);
    expect(DEFAULT_ORGANISATIONS.filter((o) => o.supportRole === 'provincial-support')).toHaveLength(26);
    expect(certDirectory.support_units.national).toHaveLength(8);
    expect(certDirectory.support_units.provincial).toHaveLength(26);
  });

  it('lists an organisation named in Table 5 and in a support list once, as a CERT with its support role', () => {
    const ffcs = DEFAULT_ORGANISATIONS.filter((o) => o.nameZh === '福建富士通信息软件有限公司');
    expect(ffcs).toEqual([
      expect.objectContaining({ kind: 'cert', abbreviation: 'FFCS', supportRole: 'provincial-support' }),
    ]);
    const linkTrust = DEFAULT_ORGANISATIONS.filter((o) => o.nameZh === '北京安氏领信科技发展有限公司');
    expect(linkTrust).toEqual([expect.objectContaining({ kind: 'cert', supportRole: 'national-support' })]);
    const names = DEFAULT_ORGANISATIONS.map((o) => o.nameZh);
    expect(new Set(names).size).toBe(names.length);
  });

  it('places organisations in the branch their name starts with, national bodies in CN-NATIONAL', () => {
    const by = (n: string) => DEFAULT_ORGANISATIONS.find((o) => o.nameZh === n)!;
    expect(by('国家计算机网络应急技术处理协调中心').branchCode).toBe('CN-NATIONAL');
    expect(by('上海交通大学计算机紧急响应组').branchCode).toBe('CN-SH');
    expect(by('四川电信有限公司')).toMatchObject({ kind: 'isp', branchCode: 'CN-SC' });
    expect(by('西安安智科技有限公司').branchCode).toBeNull();
  });
});
