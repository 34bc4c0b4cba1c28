import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type {
  Branch,
  Contact,
  ContactRole,
  DirectoryLanguage,
  NotifyInterval,
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
} from '../../core/directory/directory.schemas.ts';
import { coveringRanges } from '../../core/directory/network-keys.ts';
import { DomainError } from '../../core/shared/errors.ts';
import type { Added, DirectoryAuditMeta, DirectoryPort, OrganisationFilter } from '../../services/ports.ts';
import { dialectOf } from '../database.ts';
import type { BranchesTable, ContactsTable, DB, OrganisationsTable } from '../schema.ts';
import { insertAudit } from './audit.repository.ts';

type Executor = Kysely<DB> | Transaction<DB>;
type OrgRow = Selectable<OrganisationsTable>;
type ContactRow = Selectable<ContactsTable>;

function toBranch(r: Selectable<BranchesTable>): Branch {
  return {
    code: r.code,
    nameZh: r.name_zh,
    nameEn: r.name_en,
    shortZh: r.short_zh,
    aliases: JSON.parse(r.aliases) as string[],
    isNational: Number(r.is_national) === 1,
    sortOrder: Number(r.sort_order),
  };
}

function toOrganisation(r: OrgRow): Organisation {
  return {
    id: Number(r.id),
    kind: r.kind as OrganisationKind,
    nameZh: r.name_zh,
    nameEn: r.name_en,
    abbreviation: r.abbreviation,
    country: r.country,
    branchCode: r.branch_code,
    website: r.website,
    registeredInCommunity: Number(r.registered_in_community) === 1,
    supportRole: r.support_role as SupportRole,
    language: r.language as DirectoryLanguage,
    notifyInterval: r.notify_interval as NotifyInterval,
    notes: r.notes,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toContact(r: ContactRow): Contact {
  return {
    id: Number(r.id),
    organisationId: Number(r.organisation_id),
    role: r.role as ContactRole,
    name: r.name,
    email: r.email,
    phone: r.phone,
    pgpKey: r.pgp_key,
    language: r.language as DirectoryLanguage,
    createdAt: r.created_at,
  };
}

function toNetwork(r: {
  id: number;
  organisation_id: number;
  cidr: string;
  ip_start: string;
  ip_end: string;
}): OrgNetwork {
  return {
    id: Number(r.id),
    organisationId: Number(r.organisation_id),
    cidr: r.cidr,
    ipStart: r.ip_start,
    ipEnd: r.ip_end,
  };
}

function toAsn(r: { id: number; organisation_id: number; asn: number }): OrgAsn {
  return { id: Number(r.id), organisationId: Number(r.organisation_id), asn: Number(r.asn) };
}

function toDomain(r: { id: number; organisation_id: number; domain: string }): OrgDomain {
  return { id: Number(r.id), organisationId: Number(r.organisation_id), domain: r.domain };
}

/** Organisation fields (camelCase) → columns; only the keys present. */
function organisationColumns(p: Partial<OrganisationInput>): Partial<OrgRow> {
  const out: Partial<OrgRow> = {};
  if (p.kind !== undefined) out.kind = p.kind;
  if (p.nameZh !== undefined) out.name_zh = p.nameZh;
  if (p.nameEn !== undefined) out.name_en = p.nameEn;
  if (p.abbreviation !== undefined) out.abbreviation = p.abbreviation;
  if (p.country !== undefined) out.country = p.country;
  if (p.branchCode !== undefined) out.branch_code = p.branchCode;
  if (p.website !== undefined) out.website = p.website;
  if (p.registeredInCommunity !== undefined) out.registered_in_community = p.registeredInCommunity ? 1 : 0;
  if (p.supportRole !== undefined) out.support_role = p.supportRole;
  if (p.language !== undefined) out.language = p.language;
  if (p.notifyInterval !== undefined) out.notify_interval = p.notifyInterval;
  if (p.notes !== undefined) out.notes = p.notes;
  return out;
}

/** A whole new organisation row: the defaults of the schema, then the fields given. */
function newOrganisationRow(p: Partial<OrganisationInput> & Pick<OrganisationInput, 'kind'>, at: string) {
  return {
    name_zh: '',
    name_en: '',
    abbreviation: '',
    country: 'CN',
    branch_code: null,
    website: '',
    registered_in_community: 0,
    support_role: '',
    language: 'zh-CN',
    notify_interval: 'daily',
    notes: '',
    ...organisationColumns(p),
    kind: p.kind,
    created_at: at,
    updated_at: at,
  };
}

function contactColumns(p: ContactPatch): Partial<ContactRow> {
  const out: Partial<ContactRow> = {};
  if (p.role !== undefined) out.role = p.role;
  if (p.name !== undefined) out.name = p.name;
  if (p.email !== undefined) out.email = p.email;
  if (p.phone !== undefined) out.phone = p.phone;
  if (p.pgpKey !== undefined) out.pgp_key = p.pgpKey;
  if (p.language !== undefined) out.language = p.language;
  return out;
}

/** The audit view of a contact: the PGP key is summarised, not copied. */
function auditContact(c: Contact): Record<string, unknown> {
  return { ...c, pgpKey: c.pgpKey ? `${c.pgpKey.length} characters` : '' };
}

async function audit(
  db: Executor,
  meta: DirectoryAuditMeta,
  entity: string,
  entityId: string | number,
  action: string,
  before: unknown,
  after: unknown,
): Promise<void> {
  await insertAudit(db, {
    ...meta,
    entity,
    entityId: String(entityId),
    action,
    incidentId: null,
    before,
    after,
  });
}

function isForeignKeyViolation(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** Escapes LIKE wildcards so a search for `50%` finds the text `50%`. */
function likePattern(q: string): string {
  return `%${q.toLowerCase().replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
}

async function selectOrganisation(db: Executor, id: number): Promise<Organisation | null> {
  const row = await db.selectFrom('organisations').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toOrganisation(row) : null;
}

async function insertContact(
  db: Executor,
  organisationId: number,
  c: ContactInput,
  at: string,
): Promise<Contact> {
  const row = await db
    .insertInto('contacts')
    .values({
      organisation_id: organisationId,
      role: c.role,
      name: c.name,
      email: c.email,
      phone: c.phone,
      pgp_key: c.pgpKey,
      language: c.language,
      created_at: at,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toContact(row);
}

/** Inserts a row unless the (organisation, value) pair exists; returns the row either way. */
async function addNetworkWith(
  db: Executor,
  organisationId: number,
  range: { cidr: string; start: string; end: string },
): Promise<Added<OrgNetwork>> {
  const inserted = await db
    .insertInto('org_networks')
    .values({ organisation_id: organisationId, cidr: range.cidr, ip_start: range.start, ip_end: range.end })
    .onConflict((oc) => oc.columns(['organisation_id', 'cidr']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { record: toNetwork(inserted), created: true };
  const existing = await db
    .selectFrom('org_networks')
    .selectAll()
    .where('organisation_id', '=', organisationId)
    .where('cidr', '=', range.cidr)
    .executeTakeFirstOrThrow();
  return { record: toNetwork(existing), created: false };
}

async function addAsnWith(db: Executor, organisationId: number, asn: number): Promise<Added<OrgAsn>> {
  const inserted = await db
    .insertInto('org_asns')
    .values({ organisation_id: organisationId, asn })
    .onConflict((oc) => oc.columns(['organisation_id', 'asn']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { record: toAsn(inserted), created: true };
  const existing = await db
    .selectFrom('org_asns')
    .selectAll()
    .where('organisation_id', '=', organisationId)
    .where('asn', '=', asn)
    .executeTakeFirstOrThrow();
  return { record: toAsn(existing), created: false };
}

async function addDomainWith(
  db: Executor,
  organisationId: number,
  domain: string,
): Promise<Added<OrgDomain>> {
  const inserted = await db
    .insertInto('org_domains')
    .values({ organisation_id: organisationId, domain })
    .onConflict((oc) => oc.columns(['organisation_id', 'domain']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { record: toDomain(inserted), created: true };
  const existing = await db
    .selectFrom('org_domains')
    .selectAll()
    .where('organisation_id', '=', organisationId)
    .where('domain', '=', domain)
    .executeTakeFirstOrThrow();
  return { record: toDomain(existing), created: false };
}

/**
 * Serialises first-start seeding across processes: PostgreSQL takes a transaction-scoped advisory
 * lock; SQLite's first write in the transaction takes the database write lock.
 */
async function lockSeed(trx: Transaction<DB>): Promise<void> {
  if (dialectOf(trx) === 'postgres') {
    await sql`select pg_advisory_xact_lock(${0x63657274}, ${0x64697200})`.execute(trx);
  } else {
    // A write statement (even one touching no row) turns the deferred transaction into a writer.
    await sql`update branches set sort_order = sort_order where 1 = 0`.execute(trx);
  }
}

export function createDirectoryRepository(db: Kysely<DB>): DirectoryPort {
  async function upsertBranchRows(
    trx: Transaction<DB>,
    branches: readonly Branch[],
    meta: DirectoryAuditMeta,
    onlyMissing: boolean,
  ): Promise<{ created: number; updated: number }> {
    let created = 0;
    let updated = 0;
    for (const b of branches) {
      const values = {
        code: b.code,
        name_zh: b.nameZh,
        name_en: b.nameEn,
        short_zh: b.shortZh,
        aliases: JSON.stringify(b.aliases),
        is_national: b.isNational ? 1 : 0,
        sort_order: b.sortOrder,
      };
      const before = await trx
        .selectFrom('branches')
        .selectAll()
        .where('code', '=', b.code)
        .executeTakeFirst();
      if (!before) {
        await trx.insertInto('branches').values(values).execute();
        await audit(trx, meta, 'branch', b.code, 'create', null, b);
        created++;
      } else if (!onlyMissing) {
        const { code: _code, ...rest } = values;
        await trx.updateTable('branches').set(rest).where('code', '=', b.code).execute();
        await audit(trx, meta, 'branch', b.code, 'update', toBranch(before), b);
        updated++;
      }
    }
    return { created, updated };
  }

  return {
    async listBranches() {
      const rows = await db
        .selectFrom('branches')
        .selectAll()
        .orderBy('sort_order')
        .orderBy('code')
        .execute();
      return rows.map(toBranch);
    },

    async getBranch(code) {
      const row = await db.selectFrom('branches').selectAll().where('code', '=', code).executeTakeFirst();
      return row ? toBranch(row) : null;
    },

    upsertBranches(branches, meta) {
      return db.transaction().execute((trx) => upsertBranchRows(trx, branches, meta, false));
    },

    async searchOrganisations(f: OrganisationFilter) {
      let query = db.selectFrom('organisations');
      if (f.kind !== undefined) query = query.where('kind', '=', f.kind);
      if (f.branchCode !== undefined) query = query.where('branch_code', '=', f.branchCode);
      if (f.supportRole !== undefined) query = query.where('support_role', '=', f.supportRole);
      if (f.q) {
        const pattern = likePattern(f.q);
        query = query.where((eb) =>
          eb.or(
            (['name_zh', 'name_en', 'abbreviation'] as const).map(
              (col) => sql<boolean>`lower(${sql.ref(col)}) like ${pattern} escape '\\'`,
            ),
          ),
        );
      }
      const [rows, count] = await Promise.all([
        query.selectAll().orderBy('id').limit(f.limit).offset(f.offset).execute(),
        query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return { items: rows.map(toOrganisation), total: Number(count.n) };
    },

    async getOrganisation(id) {
      const org = await selectOrganisation(db, id);
      if (!org) return null;
      const [contacts, networks, asns, domains] = await Promise.all([
        db.selectFrom('contacts').selectAll().where('organisation_id', '=', id).orderBy('id').execute(),
        db
          .selectFrom('org_networks')
          .selectAll()
          .where('organisation_id', '=', id)
          .orderBy('ip_start')
          .execute(),
        db.selectFrom('org_asns').selectAll().where('organisation_id', '=', id).orderBy('asn').execute(),
        db
          .selectFrom('org_domains')
          .selectAll()
          .where('organisation_id', '=', id)
          .orderBy('domain')
          .execute(),
      ]);
      return {
        ...org,
        contacts: contacts.map(toContact),
        networks: networks.map(toNetwork),
        asns: asns.map(toAsn),
        domains: domains.map(toDomain),
      } satisfies OrganisationDetails;
    },

    async getOrganisationsWithContacts(ids) {
      const out = new Map<number, { organisation: Organisation; contacts: Contact[] }>();
      if (ids.length === 0) return out;
      const [orgs, contacts] = await Promise.all([
        db.selectFrom('organisations').selectAll().where('id', 'in', ids).execute(),
        db.selectFrom('contacts').selectAll().where('organisation_id', 'in', ids).orderBy('id').execute(),
      ]);
      for (const o of orgs) out.set(Number(o.id), { organisation: toOrganisation(o), contacts: [] });
      for (const c of contacts) out.get(Number(c.organisation_id))?.contacts.push(toContact(c));
      return out;
    },

    createOrganisation(input, meta) {
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('organisations')
          .values(newOrganisationRow(input, meta.at))
          .returningAll()
          .executeTakeFirstOrThrow();
        const org = toOrganisation(row);
        await audit(trx, meta, 'organisation', org.id, 'create', null, org);
        return org;
      });
    },

    updateOrganisation(id, patch, meta) {
      return db.transaction().execute(async (trx) => {
        const before = await selectOrganisation(trx, id);
        if (!before) return null;
        await trx
          .updateTable('organisations')
          .set({ ...organisationColumns(patch), updated_at: meta.at })
          .where('id', '=', id)
          .execute();
        const after = (await selectOrganisation(trx, id))!;
        await audit(trx, meta, 'organisation', id, 'update', before, after);
        return after;
      });
    },

    async deleteOrganisation(id, meta) {
      try {
        return await db.transaction().execute(async (trx) => {
          const before = await selectOrganisation(trx, id);
          if (!before) return false;
          await trx.deleteFrom('organisations').where('id', '=', id).execute();
          await audit(trx, meta, 'organisation', id, 'delete', before, null);
          return true;
        });
      } catch (e) {
        if (isForeignKeyViolation(e)) {
          throw new DomainError(
            'conflict',
            `organisation ${id} is referred to by reports or incident actions and cannot be deleted`,
          );
        }
        throw e;
      }
    },

    async getContact(id) {
      const row = await db.selectFrom('contacts').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toContact(row) : null;
    },

    addContact(organisationId, input, meta) {
      return db.transaction().execute(async (trx) => {
        const contact = await insertContact(trx, organisationId, input, meta.at);
        await audit(trx, meta, 'contact', contact.id, 'create', null, auditContact(contact));
        return contact;
      });
    },

    updateContact(id, patch, meta) {
      return db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('contacts').selectAll().where('id', '=', id).executeTakeFirst();
        if (!row) return null;
        await trx.updateTable('contacts').set(contactColumns(patch)).where('id', '=', id).execute();
        const after = toContact(
          await trx.selectFrom('contacts').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
        );
        await audit(trx, meta, 'contact', id, 'update', auditContact(toContact(row)), auditContact(after));
        return after;
      });
    },

    removeContact(id, meta) {
      return db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('contacts').selectAll().where('id', '=', id).executeTakeFirst();
        if (!row) return false;
        await trx.deleteFrom('contacts').where('id', '=', id).execute();
        await audit(trx, meta, 'contact', id, 'delete', auditContact(toContact(row)), null);
        return true;
      });
    },

    addNetwork(organisationId, range, meta) {
      return db.transaction().execute(async (trx) => {
        const added = await addNetworkWith(trx, organisationId, range);
        if (added.created)
          await audit(trx, meta, 'org_network', added.record.id, 'create', null, added.record);
        return added;
      });
    },

    removeNetwork(id, meta) {
      return db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('org_networks').selectAll().where('id', '=', id).executeTakeFirst();
        if (!row) return false;
        await trx.deleteFrom('org_networks').where('id', '=', id).execute();
        await audit(trx, meta, 'org_network', id, 'delete', toNetwork(row), null);
        return true;
      });
    },

    addAsn(organisationId, asn, meta) {
      return db.transaction().execute(async (trx) => {
        const added = await addAsnWith(trx, organisationId, asn);
        if (added.created) await audit(trx, meta, 'org_asn', added.record.id, 'create', null, added.record);
        return added;
      });
    },

    removeAsn(id, meta) {
      return db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('org_asns').selectAll().where('id', '=', id).executeTakeFirst();
        if (!row) return false;
        await trx.deleteFrom('org_asns').where('id', '=', id).execute();
        await audit(trx, meta, 'org_asn', id, 'delete', toAsn(row), null);
        return true;
      });
    },

    addDomain(organisationId, domain, meta) {
      return db.transaction().execute(async (trx) => {
        const added = await addDomainWith(trx, organisationId, domain);
        if (added.created)
          await audit(trx, meta, 'org_domain', added.record.id, 'create', null, added.record);
        return added;
      });
    },

    removeDomain(id, meta) {
      return db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('org_domains').selectAll().where('id', '=', id).executeTakeFirst();
        if (!row) return false;
        await trx.deleteFrom('org_domains').where('id', '=', id).execute();
        await audit(trx, meta, 'org_domain', id, 'delete', toDomain(row), null);
        return true;
      });
    },

    async getEnrichmentSnapshot() {
      const [networks, asns, domains, orgs, contacts] = await Promise.all([
        db.selectFrom('org_networks').select(['organisation_id', 'cidr']).orderBy('id').execute(),
        db.selectFrom('org_asns').select(['organisation_id', 'asn']).orderBy('id').execute(),
        db.selectFrom('org_domains').select(['organisation_id', 'domain']).orderBy('id').execute(),
        db
          .selectFrom('organisations')
          .select(['id', 'name_zh', 'name_en', 'abbreviation', 'branch_code'])
          .orderBy('id')
          .execute(),
        db
          .selectFrom('contacts')
          .select(['organisation_id', 'role', 'email'])
          .where('role', 'in', ['abuse', 'security'])
          .where('email', '<>', '')
          .orderBy('id')
          .execute(),
      ]);
      // Per organisation: the first abuse e-mail, else the first security e-mail (selectAbuseContacts).
      const abuse = new Map<number, string>();
      const security = new Map<number, string>();
      for (const c of contacts) {
        const target = c.role === 'abuse' ? abuse : security;
        const id = Number(c.organisation_id);
        if (!target.has(id)) target.set(id, c.email);
      }
      return {
        networks: networks.map((r) => ({ cidr: r.cidr, orgId: Number(r.organisation_id) })),
        asns: asns.map((r) => ({ asn: Number(r.asn), orgId: Number(r.organisation_id) })),
        domains: domains.map((r) => ({ domain: r.domain, orgId: Number(r.organisation_id) })),
        orgs: orgs.map((r) => {
          const id = Number(r.id);
          return {
            id,
            name: r.name_zh || r.name_en || r.abbreviation,
            abuseEmail: abuse.get(id) ?? security.get(id) ?? null,
            branchCode: r.branch_code,
          };
        }),
      };
    },

    async findNetworkCovering(ipKey) {
      // A stored CIDR covers the address iff it is one of the address's 129 prefix ranges: look
      // those (start, end) pairs up in the (ip_start, ip_end) index instead of scanning every range
      // that starts before the key. CIDRs nest, so the most specific starts last and ends first.
      const ranges = coveringRanges(ipKey);
      const row = await db
        .selectFrom('org_networks')
        .selectAll()
        .where('ip_start', 'in', [...new Set(ranges.map((r) => r.start))])
        .where('ip_end', 'in', [...new Set(ranges.map((r) => r.end))])
        .where('ip_start', '<=', ipKey)
        .where('ip_end', '>=', ipKey)
        .orderBy('ip_start', 'desc')
        .orderBy('ip_end', 'asc')
        .orderBy('id', 'asc')
        .limit(1)
        .executeTakeFirst();
      return row ? toNetwork(row) : null;
    },

    async findAsn(asn) {
      const row = await db
        .selectFrom('org_asns')
        .selectAll()
        .where('asn', '=', asn)
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      return row ? toAsn(row) : null;
    },

    async findLongestDomain(candidates) {
      if (candidates.length === 0) return null;
      const row = await db
        .selectFrom('org_domains')
        .selectAll()
        .where('domain', 'in', candidates)
        .orderBy(sql`length(domain)`, 'desc')
        .orderBy('id', 'asc')
        .limit(1)
        .executeTakeFirst();
      return row ? toDomain(row) : null;
    },

    importOrganisation(item: OrganisationImport, ranges, meta) {
      return db.transaction().execute(async (trx) => {
        const key = item.nameZh
          ? ({ column: 'name_zh', value: item.nameZh } as const)
          : item.abbreviation
            ? ({ column: 'abbreviation', value: item.abbreviation } as const)
            : ({ column: 'name_en', value: item.nameEn ?? '' } as const);
        const existing = await trx
          .selectFrom('organisations')
          .selectAll()
          .where('kind', '=', item.kind)
          .where(key.column, '=', key.value)
          .orderBy('id')
          .limit(1)
          .executeTakeFirst();
        const { contacts, networks: _n, asns, domains, ...fields } = item;
        let org: Organisation;
        let created: boolean;
        if (existing) {
          const before = toOrganisation(existing);
          const cols = organisationColumns(fields);
          if (Object.keys(cols).length > 0) {
            await trx
              .updateTable('organisations')
              .set({ ...cols, updated_at: meta.at })
              .where('id', '=', before.id)
              .execute();
          }
          org = (await selectOrganisation(trx, before.id))!;
          created = false;
          await audit(trx, meta, 'organisation', org.id, 'import', before, org);
        } else {
          const row = await trx
            .insertInto('organisations')
            .values(newOrganisationRow(fields, meta.at))
            .returningAll()
            .executeTakeFirstOrThrow();
          org = toOrganisation(row);
          created = true;
          await audit(trx, meta, 'organisation', org.id, 'import', null, org);
        }
        for (const c of contacts) {
          let match = trx
            .selectFrom('contacts')
            .selectAll()
            .where('organisation_id', '=', org.id)
            .where('role', '=', c.role);
          match = c.email ? match.where('email', '=', c.email) : match.where('phone', '=', c.phone);
          const found = await match.orderBy('id').limit(1).executeTakeFirst();
          if (found) {
            await trx.updateTable('contacts').set(contactColumns(c)).where('id', '=', found.id).execute();
          } else {
            const contact = await insertContact(trx, org.id, c, meta.at);
            await audit(trx, meta, 'contact', contact.id, 'create', null, auditContact(contact));
          }
        }
        for (const r of ranges) {
          const a = await addNetworkWith(trx, org.id, r);
          if (a.created) await audit(trx, meta, 'org_network', a.record.id, 'create', null, a.record);
        }
        for (const asn of asns) {
          const a = await addAsnWith(trx, org.id, asn);
          if (a.created) await audit(trx, meta, 'org_asn', a.record.id, 'create', null, a.record);
        }
        for (const d of domains) {
          const a = await addDomainWith(trx, org.id, d);
          if (a.created) await audit(trx, meta, 'org_domain', a.record.id, 'create', null, a.record);
        }
        return { organisation: org, created };
      });
    },

    seedDefaults(branches, organisations, meta) {
      return db.transaction().execute(async (trx) => {
        await lockSeed(trx);
        // Branches only into an empty table: a CERT that loaded its own branch list keeps it.
        const anyBranch = await trx.selectFrom('branches').select('code').limit(1).executeTakeFirst();
        const b = anyBranch ? { created: 0 } : await upsertBranchRows(trx, branches, meta, true);
        const codes = new Set((await trx.selectFrom('branches').select('code').execute()).map((r) => r.code));
        // The default organisations belong to the default branch list: only while its national
        // centre is there, and only while no CERT exists (the first start, or a wiped directory).
        const national = branches.find((x) => x.isNational)?.code;
        const cert = await trx
          .selectFrom('organisations')
          .select('id')
          .where('kind', '=', 'cert')
          .limit(1)
          .executeTakeFirst();
        let organisationsInserted = 0;
        if (!cert && national !== undefined && codes.has(national)) {
          for (const o of organisations) {
            const row = await trx
              .insertInto('organisations')
              .values(
                newOrganisationRow(
                  {
                    kind: o.kind,
                    nameZh: o.nameZh,
                    abbreviation: o.abbreviation,
                    branchCode: o.branchCode !== null && codes.has(o.branchCode) ? o.branchCode : null,
                    registeredInCommunity: o.registeredInCommunity,
                    supportRole: o.supportRole,
                  },
                  meta.at,
                ),
              )
              .returningAll()
              .executeTakeFirstOrThrow();
            await audit(trx, meta, 'organisation', Number(row.id), 'create', null, toOrganisation(row));
            organisationsInserted++;
          }
        }
        return { branchesInserted: b.created, organisationsInserted };
      });
    },
  };
}
