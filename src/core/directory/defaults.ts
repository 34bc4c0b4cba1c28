import branchesData from './data/branches.json' with { type: 'json' };
import certDirectoryData from './data/cert-directory.json' with { type: 'json' };
import { createBranchMatcher } from './branch-matcher.ts';
import { NATIONAL_BRANCH_CODE, type Branch, type OrganisationKind, type SupportRole } from './directory.ts';

/*
 * The default data certops ships: the 31 provincial branches of mainland China plus the national
 * centre (data/branches.json), and the seed report's §11 directory (data/cert-directory.json):
 * Table 5's 57 CERT organisations and the 8 national and 26 provincial CNCERT/CC support units.
 *
 * Support units and CERTs: an organisation named identically (same name_zh) in Table 5 and in a
 * support-unit list is ONE organisation: its kind stays `cert` and it carries the support role
 * (six do: 30Wish, ANGELLTECH, Chinavv, FFCS, LinkTrust, SDXC). Names that differ in wording
 * (哈尔滨安天信息技术有限责任公司 / 哈尔滨安天信息技术有限公司) are kept as the report prints them,
 * as separate rows. No name is in both support lists; if one were, the national role would win.
 * So: kind='cert' counts 57, support_role counts 8 and 26, 85 organisations in all.
 */

/** A branch list as JSON: `{ national_centre?, branches: [...] }` (data/branches.json) or a bare array. */
export interface BranchListFile {
  national_centre?: { code: string; name_zh: string; name_en: string; short_zh?: string; aliases?: string[] };
  branches: { code: string; name_zh: string; name_en: string; short_zh?: string; aliases?: string[] }[];
}

/** Turns a branch list file into branches, national centre first (sort order 0), then in file order. */
export function branchesFromFile(file: BranchListFile): Branch[] {
  const out: Branch[] = [];
  if (file.national_centre) {
    const n = file.national_centre;
    out.push({
      code: n.code,
      nameZh: n.name_zh,
      nameEn: n.name_en,
      shortZh: n.short_zh ?? n.name_zh,
      aliases: n.aliases ?? [],
      isNational: true,
      sortOrder: 0,
    });
  }
  file.branches.forEach((b, i) =>
    out.push({
      code: b.code,
      nameZh: b.name_zh,
      nameEn: b.name_en,
      shortZh: b.short_zh ?? '',
      aliases: b.aliases ?? [],
      isNational: b.code === NATIONAL_BRANCH_CODE,
      sortOrder: i + 1,
    }),
  );
  return out;
}

/** The default branches: CN-NATIONAL and the 31 provinces. */
export const DEFAULT_BRANCHES: readonly Branch[] = Object.freeze(branchesFromFile(branchesData));

/** An organisation the seed inserts. */
export interface DefaultOrganisation {
  kind: OrganisationKind;
  nameZh: string;
  abbreviation: string;
  registeredInCommunity: boolean;
  supportRole: SupportRole;
  branchCode: string | null;
}

/** Support units that are not security vendors: the kind their name states. */
const SUPPORT_UNIT_KINDS: Record<string, OrganisationKind> = {
  四川电信有限公司: 'isp',
  世纪互联数据中心有限公司: 'hosting',
  北京万网志成科技股份有限公司: 'registrar',
  武汉大学: 'other',
};

/** Organisations whose branch is the national centre rather than a province. */
const NATIONAL_ORGANISATIONS = new Set(['国家计算机网络应急技术处理协调中心', '国家计算机网络入侵防范中心']);

function buildDefaultOrganisations(): DefaultOrganisation[] {
  const matcher = createBranchMatcher(DEFAULT_BRANCHES);
  // The branch: national bodies → CN-NATIONAL; a name that starts with a province → that province.
  const branchOf = (nameZh: string) =>
    NATIONAL_ORGANISATIONS.has(nameZh) ? NATIONAL_BRANCH_CODE : matcher.matchPrefix(nameZh);
  const national = new Set(certDirectoryData.support_units.national);
  const provincial = new Set(certDirectoryData.support_units.provincial);
  const roleOf = (nameZh: string): SupportRole =>
    national.has(nameZh) ? 'national-support' : provincial.has(nameZh) ? 'provincial-support' : '';

  const out: DefaultOrganisation[] = certDirectoryData.cert_organisations.map((o) => ({
    kind: 'cert',
    nameZh: o.name_zh,
    abbreviation: o.abbreviation ?? '',
    registeredInCommunity: o.registered_in_community,
    supportRole: roleOf(o.name_zh),
    branchCode: branchOf(o.name_zh),
  }));
  const seen = new Set(out.map((o) => o.nameZh));
  for (const nameZh of [
    ...certDirectoryData.support_units.national,
    ...certDirectoryData.support_units.provincial,
  ]) {
    if (seen.has(nameZh)) continue;
    seen.add(nameZh);
    out.push({
      kind: SUPPORT_UNIT_KINDS[nameZh] ?? 'vendor',
      nameZh,
      abbreviation: '',
      registeredInCommunity: false,
      supportRole: roleOf(nameZh),
      branchCode: branchOf(nameZh),
    });
  }
  return out;
}

/** Table 5's CERTs (in the report's order) followed by the support units that are not among them. */
export const DEFAULT_ORGANISATIONS: readonly DefaultOrganisation[] =
  Object.freeze(buildDefaultOrganisations());
