/**
 * The directory: branches (regional centres), organisations (CERTs, ISPs, registrars, hosting
 * providers, vendors, government), their contacts and the networks, ASNs and domains each one
 * answers for. Pure types and constants; storage is in db/, use cases in services/.
 */

export const ORGANISATION_KINDS = [
  'cert',
  'isp',
  'registrar',
  'hosting',
  'vendor',
  'government',
  'enterprise',
  'other',
] as const;
export type OrganisationKind = (typeof ORGANISATION_KINDS)[number];

export const CONTACT_ROLES = ['abuse', 'security', 'technical', 'management', 'other'] as const;
export type ContactRole = (typeof CONTACT_ROLES)[number];

/** How often an organisation wants to be told about events in its networks. */
export const NOTIFY_INTERVALS = ['immediate', 'hourly', 'daily', 'weekly', 'never'] as const;
export type NotifyInterval = (typeof NOTIFY_INTERVALS)[number];

/** CNCERT/CC emergency-service support units (seed report §11); '' for none. */
export const SUPPORT_ROLES = ['', 'national-support', 'provincial-support'] as const;
export type SupportRole = (typeof SUPPORT_ROLES)[number];

export const DIRECTORY_LANGUAGES = ['zh-CN', 'en'] as const;
export type DirectoryLanguage = (typeof DIRECTORY_LANGUAGES)[number];

/** The code of the national centre, the branch of everything no province answers for. */
export const NATIONAL_BRANCH_CODE = 'CN-NATIONAL';

export interface Branch {
  /** ISO 3166-2 code (`CN-XJ`) or `CN-NATIONAL`. */
  code: string;
  nameZh: string;
  nameEn: string;
  shortZh: string;
  aliases: string[];
  isNational: boolean;
  sortOrder: number;
}

export interface Organisation {
  id: number;
  kind: OrganisationKind;
  nameZh: string;
  nameEn: string;
  abbreviation: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  branchCode: string | null;
  website: string;
  registeredInCommunity: boolean;
  supportRole: SupportRole;
  language: DirectoryLanguage;
  notifyInterval: NotifyInterval;
  notes: string;
  createdAt: string;
  updatedAt: string;
}

export interface Contact {
  id: number;
  organisationId: number;
  role: ContactRole;
  name: string;
  email: string;
  phone: string;
  pgpKey: string;
  language: DirectoryLanguage;
  createdAt: string;
}

export interface OrgNetwork {
  id: number;
  organisationId: number;
  /** Canonical form: network address / prefix length (`10.0.0.0/8`, `2001:db8::/32`). */
  cidr: string;
  /** 32-hex range keys (IPv4 mapped into IPv6), see network-keys.ts. */
  ipStart: string;
  ipEnd: string;
}

export interface OrgAsn {
  id: number;
  organisationId: number;
  asn: number;
}

export interface OrgDomain {
  id: number;
  organisationId: number;
  /** Lower-case ASCII (punycode), no trailing dot. */
  domain: string;
}

/** One organisation with everything hanging off it. */
export interface OrganisationDetails extends Organisation {
  contacts: Contact[];
  networks: OrgNetwork[];
  asns: OrgAsn[];
  domains: OrgDomain[];
}

/** What a lookup matched on. */
export type ResponsibleMatch =
  { kind: 'network'; cidr: string } | { kind: 'asn'; asn: number } | { kind: 'domain'; domain: string };

/** The answer to "who answers for this IP / ASN / domain". */
export interface Responsible {
  organisation: Organisation;
  /** Contacts with role `abuse`; when there are none, the `security` contacts. */
  abuseContacts: Contact[];
  match: ResponsibleMatch;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

/** Picks the abuse contacts of an organisation: role abuse, else role security. */
export function selectAbuseContacts(contacts: readonly Contact[]): Contact[] {
  const abuse = contacts.filter((c) => c.role === 'abuse');
  return abuse.length > 0 ? abuse : contacts.filter((c) => c.role === 'security');
}

/** The display name of an organisation in a language, falling back to the other names. */
export function displayNameOf(
  org: Pick<Organisation, 'nameZh' | 'nameEn' | 'abbreviation'>,
  lang: DirectoryLanguage,
): string {
  const first = lang === 'en' ? org.nameEn || org.nameZh : org.nameZh || org.nameEn;
  return first || org.abbreviation;
}
