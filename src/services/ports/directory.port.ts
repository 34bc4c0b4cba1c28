import type { DefaultOrganisation } from '../../core/directory/defaults.ts';
import type {
  Branch,
  Contact,
  Organisation,
  OrganisationDetails,
  OrganisationKind,
  OrgAsn,
  OrgDomain,
  OrgNetwork,
  SupportRole,
} from '../../core/directory/directory.ts';
import type {
  ContactInput,
  ContactPatch,
  OrganisationImport,
  OrganisationInput,
  OrganisationPatch,
} from '../../core/directory/directory.schemas.ts';
import type { AuditEntry } from './audit.port.ts';

/** Who changes the directory and when: every write records an audit row in its own transaction. */
export type DirectoryAuditMeta = Pick<AuditEntry, 'at' | 'actorId' | 'actor' | 'ip'>;

export interface OrganisationFilter {
  /** Case-insensitive substring of name_zh, name_en or abbreviation. */
  q?: string;
  kind?: OrganisationKind;
  branchCode?: string;
  supportRole?: Exclude<SupportRole, ''>;
  limit: number;
  offset: number;
}

/** A network, ASN or domain added: `created` false when the organisation already had it. */
export interface Added<T> {
  record: T;
  created: boolean;
}

/**
 * The directory as the pipeline's contact expert needs it, read once when the expert chain is
 * built: every network/ASN/domain with its organisation, and each organisation's abuse e-mail.
 */
export interface DirectorySnapshot {
  networks: { cidr: string; orgId: number }[];
  asns: { asn: number; orgId: number }[];
  domains: { domain: string; orgId: number }[];
  orgs: { id: number; name: string; abuseEmail: string | null; branchCode: string | null }[];
}

export interface DirectoryPort {
  listBranches(): Promise<Branch[]>;
  getBranch(code: string): Promise<Branch | null>;
  /** Inserts new codes, updates existing ones; returns how many of each. */
  upsertBranches(
    branches: Branch[],
    audit: DirectoryAuditMeta,
  ): Promise<{ created: number; updated: number }>;

  searchOrganisations(filter: OrganisationFilter): Promise<{ items: Organisation[]; total: number }>;
  getOrganisation(id: number): Promise<OrganisationDetails | null>;
  /** Several organisations at once (lookups, lists); missing ids are absent from the map. */
  getOrganisationsWithContacts(
    ids: number[],
  ): Promise<Map<number, { organisation: Organisation; contacts: Contact[] }>>;
  createOrganisation(input: OrganisationInput, audit: DirectoryAuditMeta): Promise<Organisation>;
  updateOrganisation(
    id: number,
    patch: OrganisationPatch,
    audit: DirectoryAuditMeta,
  ): Promise<Organisation | null>;
  /** False when absent; throws DomainError conflict when other records (incidents' actions, reports) refer to it. */
  deleteOrganisation(id: number, audit: DirectoryAuditMeta): Promise<boolean>;

  getContact(id: number): Promise<Contact | null>;
  addContact(organisationId: number, input: ContactInput, audit: DirectoryAuditMeta): Promise<Contact>;
  updateContact(id: number, patch: ContactPatch, audit: DirectoryAuditMeta): Promise<Contact | null>;
  removeContact(id: number, audit: DirectoryAuditMeta): Promise<boolean>;

  addNetwork(
    organisationId: number,
    range: { cidr: string; start: string; end: string },
    audit: DirectoryAuditMeta,
  ): Promise<Added<OrgNetwork>>;
  removeNetwork(id: number, audit: DirectoryAuditMeta): Promise<boolean>;
  addAsn(organisationId: number, asn: number, audit: DirectoryAuditMeta): Promise<Added<OrgAsn>>;
  removeAsn(id: number, audit: DirectoryAuditMeta): Promise<boolean>;
  addDomain(organisationId: number, domain: string, audit: DirectoryAuditMeta): Promise<Added<OrgDomain>>;
  removeDomain(id: number, audit: DirectoryAuditMeta): Promise<boolean>;

  /**
   * Every network, ASN and domain with its organisation (each list ordered by row id), and every
   * organisation with its abuse e-mail: the first (lowest id) non-empty e-mail of a contact with
   * role `abuse`, else of role `security` (selectAbuseContacts), else null.
   */
  getEnrichmentSnapshot(): Promise<DirectorySnapshot>;

  /** The smallest network whose range covers the key (32-hex IP key); ties → lowest id. */
  findNetworkCovering(ipKey: string): Promise<OrgNetwork | null>;
  /** The first organisation (lowest row id) listing the ASN. */
  findAsn(asn: number): Promise<OrgAsn | null>;
  /** The longest of the given domains some organisation lists; ties → lowest id. */
  findLongestDomain(candidates: string[]): Promise<OrgDomain | null>;

  /**
   * Upserts one imported organisation by (kind, name_zh), else (kind, abbreviation), else
   * (kind, name_en) — in one transaction: fields given overwrite, contacts are matched by
   * (role, e-mail or phone) and updated or added, networks/ASNs/domains are added when missing
   * (an import never deletes). `range` gives the keys of each network in `item.networks`.
   */
  importOrganisation(
    item: OrganisationImport,
    ranges: { cidr: string; start: string; end: string }[],
    audit: DirectoryAuditMeta,
  ): Promise<{ organisation: Organisation; created: boolean }>;

  /**
   * First-start data, in one transaction safe against concurrent starts: the branches when the
   * branches table is empty; the organisations when no organisation of kind `cert` exists yet and
   * the national branch of `branches` is in the table (branch codes that are not become null).
   */
  seedDefaults(
    branches: readonly Branch[],
    organisations: readonly DefaultOrganisation[],
    audit: DirectoryAuditMeta,
  ): Promise<{ branchesInserted: number; organisationsInserted: number }>;
}
