import type { z } from 'zod';
import { requirePermission, systemActor, type Actor } from '../core/auth/actor.ts';
import type { Permission } from '../core/auth/roles.ts';
import { createBranchMatcher, type BranchMatcher } from '../core/directory/branch-matcher.ts';
import { DEFAULT_BRANCHES, DEFAULT_ORGANISATIONS } from '../core/directory/defaults.ts';
import type { ImportIssue, ImportRecord, ImportResult } from '../core/directory/directory-import.ts';
import {
  branchInputSchema,
  contactInputSchema,
  contactPatchSchema,
  organisationImportSchema,
  organisationInputSchema,
  organisationPatchSchema,
  organisationQuerySchema,
  resourceInputSchema,
} from '../core/directory/directory.schemas.ts';
import {
  selectAbuseContacts,
  type Branch,
  type Contact,
  type Organisation,
  type OrganisationDetails,
  type OrgAsn,
  type OrgDomain,
  type OrgNetwork,
  type Page,
  type Responsible,
} from '../core/directory/directory.ts';
import {
  cidrToRange,
  domainSuffixes,
  ipToKey,
  normaliseDomain,
  parseAsn,
} from '../core/directory/network-keys.ts';
import type { Clock } from '../core/shared/clock.ts';
import { DomainError, invalidInput, notFound, type FieldIssue } from '../core/shared/errors.ts';
import type { AuditPort, DirectoryAuditMeta, DirectoryPort, DirectorySnapshot } from './ports.ts';

export interface DirectoryServiceDeps {
  directory: DirectoryPort;
  /** Records refused writes (action `denied`); changes themselves are audited by the repository. */
  audit: AuditPort;
  clock: Clock;
}

/** What `lookup` is asked: exactly one of these. */
export interface LookupQuery {
  ip?: string;
  asn?: string | number;
  domain?: string;
}

export type ResourceKind = 'network' | 'asn' | 'domain';

export interface DirectoryService {
  listBranches(actor: Actor): Promise<Branch[]>;
  getBranch(actor: Actor, code: string): Promise<Branch>;
  /** Loads a branch list (inputs validated like an import): new codes inserted, known ones updated. */
  importBranches(actor: Actor, records: ImportRecord[]): Promise<ImportResult>;
  /** A matcher over the branches in the database (cached; rebuilt after branch changes). */
  getBranchMatcher(): Promise<BranchMatcher>;

  searchOrganisations(
    actor: Actor,
    query: z.input<typeof organisationQuerySchema>,
  ): Promise<Page<Organisation>>;
  getOrganisation(actor: Actor, id: number): Promise<OrganisationDetails>;
  createOrganisation(actor: Actor, input: unknown): Promise<OrganisationDetails>;
  updateOrganisation(actor: Actor, id: number, patch: unknown): Promise<OrganisationDetails>;
  deleteOrganisation(actor: Actor, id: number): Promise<void>;

  addContact(actor: Actor, organisationId: number, input: unknown): Promise<Contact>;
  updateContact(actor: Actor, contactId: number, patch: unknown): Promise<Contact>;
  removeContact(actor: Actor, contactId: number): Promise<void>;

  /** Adds a network, ASN or domain (`{cidr}` | `{asn}` | `{domain}`); conflict when the organisation has it already. */
  addResource(
    actor: Actor,
    organisationId: number,
    input: unknown,
  ): Promise<
    | { kind: 'network'; record: OrgNetwork }
    | { kind: 'asn'; record: OrgAsn }
    | { kind: 'domain'; record: OrgDomain }
  >;
  removeResource(actor: Actor, kind: ResourceKind, id: number): Promise<void>;

  /** For the pipeline and incidents (no actor): the most specific network covering the IP. */
  findResponsibleForIp(ip: string): Promise<Responsible | null>;
  /** The directory as the pipeline's experts need it, read in one go (no actor: internal use). */
  getEnrichmentSnapshot(): Promise<DirectorySnapshot>;
  findResponsibleForAsn(asn: number | string): Promise<Responsible | null>;
  /** Longest suffix match: a.b.example.cn → the organisation listing example.cn. */
  findResponsibleForDomain(domain: string): Promise<Responsible | null>;
  /** The API's and console's lookup: permission `directory.read`, exactly one of ip/asn/domain. */
  lookup(actor: Actor, query: LookupQuery): Promise<Responsible | null>;

  /** Upserts organisations (with contacts, networks, ASNs, domains) row by row; a bad row is reported, the others kept. */
  importOrganisations(actor: Actor, records: ImportRecord[]): Promise<ImportResult>;

  /**
   * First-start data, idempotent: the 31 branches + CN-NATIONAL when there are no branches at all
   * (a CERT that loaded its own list keeps it), and the seed report's §11 organisations (57 CERTs,
   * 8 + 26 support units) when no CERT exists yet and CN-NATIONAL is there.
   */
  seedDefaults(): Promise<{ branchesInserted: number; organisationsInserted: number }>;
}

function issuesOf(error: z.ZodError, prefix = ''): FieldIssue[] {
  return error.issues.map((i) => ({
    field: prefix + (i.path.map(String).join('.') || '(body)'),
    message: i.message,
  }));
}

function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw invalidInput('invalid input', issuesOf(r.error, prefix));
  return r.data;
}

function requireId(id: number, what: string): void {
  if (!Number.isSafeInteger(id) || id < 1) throw notFound(what);
}

export function createDirectoryService(deps: DirectoryServiceDeps): DirectoryService {
  const { directory, audit, clock } = deps;
  let matcher: Promise<BranchMatcher> | null = null;

  const metaOf = (actor: Actor): DirectoryAuditMeta => ({
    at: clock.now().toISOString(),
    actorId: actor.userId,
    actor: actor.label,
    ip: actor.ip,
  });

  /** Permission check; a refused write leaves an audit row. */
  async function allow(actor: Actor, permission: Permission, what: string): Promise<void> {
    try {
      requirePermission(actor, permission);
    } catch (e) {
      if (e instanceof DomainError && permission === 'directory.write') {
        await audit.record({
          ...metaOf(actor),
          entity: 'directory',
          entityId: what,
          action: 'denied',
          incidentId: null,
          before: null,
          after: { permission },
        });
      }
      throw e;
    }
  }

  async function branchMustExist(code: string | null | undefined, field = 'branchCode'): Promise<void> {
    if (code === null || code === undefined) return;
    if (!(await directory.getBranch(code))) {
      throw invalidInput(`unknown branch ${code}`, [{ field, message: `no branch with code ${code}` }]);
    }
  }

  async function detailsOrThrow(id: number): Promise<OrganisationDetails> {
    const org = await directory.getOrganisation(id);
    if (!org) throw notFound(`organisation ${id}`);
    return org;
  }

  async function responsibleFor(
    organisationId: number,
    match: Responsible['match'],
  ): Promise<Responsible | null> {
    const found = (await directory.getOrganisationsWithContacts([organisationId])).get(organisationId);
    if (!found) return null;
    return { organisation: found.organisation, abuseContacts: selectAbuseContacts(found.contacts), match };
  }

  const service: DirectoryService = {
    async listBranches(actor) {
      await allow(actor, 'directory.read', 'branches');
      return directory.listBranches();
    },

    async getBranch(actor, code) {
      await allow(actor, 'directory.read', `branch:${code}`);
      const b = await directory.getBranch(code.toUpperCase());
      if (!b) throw notFound(`branch ${code}`);
      return b;
    },

    async importBranches(actor, records) {
      await allow(actor, 'directory.write', 'branches');
      const errors: ImportIssue[] = [];
      const branches: Branch[] = [];
      const seen = new Set<string>();
      // A branch keeps its place unless the file gives sort_order; new ones go after the others.
      const existing = new Map((await directory.listBranches()).map((b) => [b.code, b]));
      let nextOrder = Math.max(0, ...[...existing.values()].map((b) => b.sortOrder)) + 1;
      for (const rec of records) {
        const r = branchInputSchema.safeParse(rec.data);
        if (!r.success) {
          const issue = r.error.issues[0]!;
          const path = issue.path.map(String).join('.');
          errors.push({
            ref: rec.ref,
            field: rec.fieldNames?.[path] ?? (path || '(row)'),
            message: issue.message,
          });
          continue;
        }
        const b = r.data;
        if (seen.has(b.code)) {
          errors.push({
            ref: rec.ref,
            field: rec.fieldNames?.code ?? 'code',
            message: `${b.code} appears twice`,
          });
          continue;
        }
        seen.add(b.code);
        branches.push({
          code: b.code,
          nameZh: b.nameZh,
          nameEn: b.nameEn,
          shortZh: b.shortZh,
          aliases: b.aliases,
          isNational: b.isNational,
          sortOrder: b.sortOrder ?? existing.get(b.code)?.sortOrder ?? nextOrder++,
        });
      }
      const { created, updated } =
        branches.length > 0
          ? await directory.upsertBranches(branches, metaOf(actor))
          : { created: 0, updated: 0 };
      matcher = null;
      return { created, updated, errors };
    },

    getBranchMatcher() {
      matcher ??= directory.listBranches().then((bs) => createBranchMatcher(bs));
      return matcher;
    },

    async searchOrganisations(actor, query) {
      await allow(actor, 'directory.read', 'organisations');
      const q = parseOrThrow(organisationQuerySchema, query);
      const { items, total } = await directory.searchOrganisations({
        q: q.q || undefined,
        kind: q.kind,
        branchCode: q.branch,
        supportRole: q.supportRole,
        limit: q.pageSize,
        offset: (q.page - 1) * q.pageSize,
      });
      return { items, total, page: q.page, pageSize: q.pageSize };
    },

    async getOrganisation(actor, id) {
      await allow(actor, 'directory.read', `organisation:${id}`);
      requireId(id, `organisation ${id}`);
      return detailsOrThrow(id);
    },

    async createOrganisation(actor, input) {
      await allow(actor, 'directory.write', 'organisation:new');
      const data = parseOrThrow(organisationInputSchema, input);
      await branchMustExist(data.branchCode);
      const org = await directory.createOrganisation(data, metaOf(actor));
      return detailsOrThrow(org.id);
    },

    async updateOrganisation(actor, id, patch) {
      await allow(actor, 'directory.write', `organisation:${id}`);
      requireId(id, `organisation ${id}`);
      const data = parseOrThrow(organisationPatchSchema, patch);
      await branchMustExist(data.branchCode);
      const current = await detailsOrThrow(id);
      const merged = { ...current, ...data };
      if (!merged.nameZh && !merged.nameEn && !merged.abbreviation) {
        throw invalidInput('invalid input', [
          { field: 'nameZh', message: 'a Chinese name, an English name or an abbreviation is required' },
        ]);
      }
      if (!(await directory.updateOrganisation(id, data, metaOf(actor))))
        throw notFound(`organisation ${id}`);
      return detailsOrThrow(id);
    },

    async deleteOrganisation(actor, id) {
      await allow(actor, 'directory.write', `organisation:${id}`);
      requireId(id, `organisation ${id}`);
      if (!(await directory.deleteOrganisation(id, metaOf(actor)))) throw notFound(`organisation ${id}`);
    },

    async addContact(actor, organisationId, input) {
      await allow(actor, 'directory.write', `organisation:${organisationId}`);
      requireId(organisationId, `organisation ${organisationId}`);
      const data = parseOrThrow(contactInputSchema, input);
      await detailsOrThrow(organisationId);
      return directory.addContact(organisationId, data, metaOf(actor));
    },

    async updateContact(actor, contactId, patch) {
      await allow(actor, 'directory.write', `contact:${contactId}`);
      requireId(contactId, `contact ${contactId}`);
      const data = parseOrThrow(contactPatchSchema, patch);
      const current = await directory.getContact(contactId);
      if (!current) throw notFound(`contact ${contactId}`);
      const merged = { ...current, ...data };
      if (!merged.email && !merged.phone) {
        throw invalidInput('invalid input', [
          { field: 'email', message: 'an e-mail address or a phone number is required' },
        ]);
      }
      const updated = await directory.updateContact(contactId, data, metaOf(actor));
      if (!updated) throw notFound(`contact ${contactId}`);
      return updated;
    },

    async removeContact(actor, contactId) {
      await allow(actor, 'directory.write', `contact:${contactId}`);
      requireId(contactId, `contact ${contactId}`);
      if (!(await directory.removeContact(contactId, metaOf(actor)))) throw notFound(`contact ${contactId}`);
    },

    async addResource(actor, organisationId, input) {
      await allow(actor, 'directory.write', `organisation:${organisationId}`);
      requireId(organisationId, `organisation ${organisationId}`);
      const data = parseOrThrow(resourceInputSchema, input);
      await detailsOrThrow(organisationId);
      const meta = metaOf(actor);
      const already = (what: string) =>
        new DomainError('conflict', `organisation ${organisationId} already lists ${what}`);
      if (data.cidr !== undefined) {
        const range = cidrToRange(data.cidr)!;
        const a = await directory.addNetwork(organisationId, range, meta);
        if (!a.created) throw already(range.cidr);
        return { kind: 'network', record: a.record };
      }
      if (data.asn !== undefined) {
        const a = await directory.addAsn(organisationId, data.asn, meta);
        if (!a.created) throw already(`AS${data.asn}`);
        return { kind: 'asn', record: a.record };
      }
      const a = await directory.addDomain(organisationId, data.domain!, meta);
      if (!a.created) throw already(data.domain!);
      return { kind: 'domain', record: a.record };
    },

    async removeResource(actor, kind, id) {
      await allow(actor, 'directory.write', `${kind}:${id}`);
      requireId(id, `${kind} ${id}`);
      const meta = metaOf(actor);
      const removed =
        kind === 'network'
          ? await directory.removeNetwork(id, meta)
          : kind === 'asn'
            ? await directory.removeAsn(id, meta)
            : await directory.removeDomain(id, meta);
      if (!removed) throw notFound(`${kind} ${id}`);
    },

    getEnrichmentSnapshot() {
      return directory.getEnrichmentSnapshot();
    },

    async findResponsibleForIp(ip) {
      const key = ipToKey(ip);
      if (key === null)
        throw invalidInput(`"${ip}" is not an IP address`, [{ field: 'ip', message: 'not an IP address' }]);
      const net = await directory.findNetworkCovering(key);
      return net ? responsibleFor(net.organisationId, { kind: 'network', cidr: net.cidr }) : null;
    },

    async findResponsibleForAsn(asnInput) {
      const asn = parseAsn(asnInput);
      if (asn === null) {
        throw invalidInput(`"${asnInput}" is not an AS number`, [
          { field: 'asn', message: 'expected 0-4294967295, optionally AS-prefixed' },
        ]);
      }
      const row = await directory.findAsn(asn);
      return row ? responsibleFor(row.organisationId, { kind: 'asn', asn }) : null;
    },

    async findResponsibleForDomain(domainInput) {
      const domain = normaliseDomain(domainInput);
      if (domain === null) {
        throw invalidInput(`"${domainInput}" is not a domain name`, [
          { field: 'domain', message: 'not a domain name' },
        ]);
      }
      const row = await directory.findLongestDomain(domainSuffixes(domain));
      return row ? responsibleFor(row.organisationId, { kind: 'domain', domain: row.domain }) : null;
    },

    async lookup(actor, query) {
      await allow(actor, 'directory.read', 'lookup');
      const given = (['ip', 'asn', 'domain'] as const).filter(
        (k) => query[k] !== undefined && query[k] !== '',
      );
      if (given.length !== 1) {
        throw invalidInput('give exactly one of ip, asn or domain', [
          { field: given[1] ?? 'ip', message: 'give exactly one of ip, asn or domain' },
        ]);
      }
      if (query.ip !== undefined && query.ip !== '') return service.findResponsibleForIp(query.ip);
      if (query.asn !== undefined && query.asn !== '') return service.findResponsibleForAsn(query.asn);
      return service.findResponsibleForDomain(query.domain!);
    },

    async importOrganisations(actor, records) {
      await allow(actor, 'directory.write', 'organisations:import');
      const branchMatcher = await service.getBranchMatcher();
      const result: ImportResult = { created: 0, updated: 0, errors: [] };
      const fail = (rec: ImportRecord, path: string, message: string) =>
        result.errors.push({ ref: rec.ref, field: rec.fieldNames?.[path] ?? (path || '(row)'), message });
      for (const rec of records) {
        // A branch may be given by code or by any name the matcher knows (`新疆`, `Xinjiang`).
        let data = rec.data;
        if (typeof data === 'object' && data !== null && !Array.isArray(data)) {
          const b = (data as Record<string, unknown>).branchCode;
          if (typeof b === 'string' && b.trim() !== '') {
            const code = branchMatcher.match(b);
            if (!code) {
              fail(rec, 'branchCode', `unknown branch "${b}"`);
              continue;
            }
            data = { ...data, branchCode: code };
          }
        }
        const r = organisationImportSchema.safeParse(data);
        if (!r.success) {
          const issue = r.error.issues[0]!;
          fail(rec, issue.path.map(String).join('.'), issue.message);
          continue;
        }
        const ranges = r.data.networks.map((c) => cidrToRange(c)!);
        const done = await directory.importOrganisation(r.data, ranges, metaOf(actor));
        if (done.created) result.created++;
        else result.updated++;
      }
      return result;
    },

    async seedDefaults() {
      const r = await directory.seedDefaults(
        DEFAULT_BRANCHES,
        DEFAULT_ORGANISATIONS,
        metaOf(systemActor('seed')),
      );
      if (r.branchesInserted > 0) matcher = null;
      return r;
    },
  };
  return service;
}
