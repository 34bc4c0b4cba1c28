import { z } from 'zod';
import {
  CONTACT_ROLES,
  DIRECTORY_LANGUAGES,
  NOTIFY_INTERVALS,
  ORGANISATION_KINDS,
  SUPPORT_ROLES,
} from './directory.ts';
import { cidrToRange, normaliseDomain, parseAsn } from './network-keys.ts';

/*
 * Input schemas of the directory (API bodies, CLI imports, console forms). Strings are trimmed;
 * every message names what is expected so an import error reads well on one line.
 */

const text = (max: number) => z.string().trim().max(max, `at most ${max} characters`);

export const organisationKindSchema = z.enum(ORGANISATION_KINDS, {
  error: `expected one of ${ORGANISATION_KINDS.join(', ')}`,
});
export const contactRoleSchema = z.enum(CONTACT_ROLES, {
  error: `expected one of ${CONTACT_ROLES.join(', ')}`,
});
export const notifyIntervalSchema = z.enum(NOTIFY_INTERVALS, {
  error: `expected one of ${NOTIFY_INTERVALS.join(', ')}`,
});
export const supportRoleSchema = z.enum(SUPPORT_ROLES, {
  error: 'expected national-support, provincial-support or empty',
});
export const directoryLanguageSchema = z.enum(DIRECTORY_LANGUAGES, { error: 'expected zh-CN or en' });

export const branchCodeSchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{2}-[A-Z0-9]{1,12}$/, 'expected a branch code like CN-XJ or CN-NATIONAL');

const countrySchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{2}$/, 'expected an ISO 3166-1 alpha-2 country code like CN');

const websiteSchema = z.union([
  z.literal(''),
  z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
]);

const emailSchema = z.union([
  z.literal(''),
  z.email({ error: 'expected an e-mail address' }).max(254, 'at most 254 characters'),
]);

/** The fields of an organisation, without defaults (shared by create and patch). */
const organisationFields = {
  kind: organisationKindSchema,
  nameZh: text(200),
  nameEn: text(200),
  abbreviation: text(64),
  country: countrySchema,
  branchCode: branchCodeSchema.nullable(),
  website: z.string().trim().pipe(websiteSchema),
  registeredInCommunity: z.boolean({ error: 'expected true or false' }),
  supportRole: supportRoleSchema,
  language: directoryLanguageSchema,
  notifyInterval: notifyIntervalSchema,
  notes: text(4000),
};

function hasName(o: { nameZh?: string; nameEn?: string; abbreviation?: string }): boolean {
  return Boolean(o.nameZh || o.nameEn || o.abbreviation);
}
const NAME_REQUIRED = {
  message: 'a Chinese name, an English name or an abbreviation is required',
  path: ['nameZh'],
};

/** A new organisation. */
export const organisationInputSchema = z
  .object({
    kind: organisationFields.kind,
    nameZh: organisationFields.nameZh.default(''),
    nameEn: organisationFields.nameEn.default(''),
    abbreviation: organisationFields.abbreviation.default(''),
    country: organisationFields.country.default('CN'),
    branchCode: organisationFields.branchCode.default(null),
    website: organisationFields.website.default(''),
    registeredInCommunity: organisationFields.registeredInCommunity.default(false),
    supportRole: organisationFields.supportRole.default(''),
    language: organisationFields.language.default('zh-CN'),
    notifyInterval: organisationFields.notifyInterval.default('daily'),
    notes: organisationFields.notes.default(''),
  })
  .refine(hasName, NAME_REQUIRED);
export type OrganisationInput = z.output<typeof organisationInputSchema>;

/** A change to an organisation: only the fields given change. */
export const organisationPatchSchema = z
  .object(organisationFields)
  .partial()
  .refine((p) => Object.keys(p).length > 0, { message: 'nothing to change', path: ['(body)'] });
export type OrganisationPatch = z.output<typeof organisationPatchSchema>;

const contactFields = {
  role: contactRoleSchema,
  name: text(200),
  email: z.string().trim().pipe(emailSchema),
  phone: text(64),
  pgpKey: text(20000),
  language: directoryLanguageSchema,
};

/** A new contact of an organisation: an e-mail address or a phone number is required. */
export const contactInputSchema = z
  .object({
    role: contactFields.role.default('abuse'),
    name: contactFields.name.default(''),
    email: contactFields.email.default(''),
    phone: contactFields.phone.default(''),
    pgpKey: contactFields.pgpKey.default(''),
    language: contactFields.language.default('zh-CN'),
  })
  .refine((c) => c.email !== '' || c.phone !== '', {
    message: 'an e-mail address or a phone number is required',
    path: ['email'],
  });
export type ContactInput = z.output<typeof contactInputSchema>;

export const contactPatchSchema = z
  .object(contactFields)
  .partial()
  .refine((p) => Object.keys(p).length > 0, { message: 'nothing to change', path: ['(body)'] });
export type ContactPatch = z.output<typeof contactPatchSchema>;

/** A CIDR or address, stored canonical (`10.1.2.3/8` → `10.0.0.0/8`). */
export const cidrSchema = z
  .string()
  .trim()
  .transform((v, ctx) => {
    const r = cidrToRange(v);
    if (!r) {
      ctx.addIssue({ code: 'custom', message: `"${v}" is not an IPv4/IPv6 network (CIDR)` });
      return z.NEVER;
    }
    return r.cidr;
  });

/** An AS number as 4134, "4134" or "AS4134". */
export const asnSchema = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = parseAsn(v);
  if (n === null) {
    ctx.addIssue({
      code: 'custom',
      message: `"${v}" is not an AS number (0-4294967295, optionally AS-prefixed)`,
    });
    return z.NEVER;
  }
  return n;
});

export const domainSchema = z
  .string()
  .trim()
  .transform((v, ctx) => {
    const d = normaliseDomain(v);
    if (d === null) {
      ctx.addIssue({ code: 'custom', message: `"${v}" is not a domain name` });
      return z.NEVER;
    }
    return d;
  });

/** What an organisation answers for: exactly one of a network, an ASN or a domain. */
export const resourceInputSchema = z
  .object({ cidr: cidrSchema.optional(), asn: asnSchema.optional(), domain: domainSchema.optional() })
  .refine((r) => [r.cidr, r.asn, r.domain].filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of cidr, asn or domain',
    path: ['cidr'],
  });
export type ResourceInput = z.output<typeof resourceInputSchema>;

/** One organisation of an import, with its contacts and resources (merged into what exists). */
export const organisationImportSchema = z
  .object({
    kind: organisationFields.kind,
    nameZh: organisationFields.nameZh.optional(),
    nameEn: organisationFields.nameEn.optional(),
    abbreviation: organisationFields.abbreviation.optional(),
    country: organisationFields.country.optional(),
    branchCode: organisationFields.branchCode.optional(),
    website: organisationFields.website.optional(),
    registeredInCommunity: organisationFields.registeredInCommunity.optional(),
    supportRole: organisationFields.supportRole.optional(),
    language: organisationFields.language.optional(),
    notifyInterval: organisationFields.notifyInterval.optional(),
    notes: organisationFields.notes.optional(),
    contacts: z.array(contactInputSchema).default([]),
    networks: z.array(cidrSchema).default([]),
    asns: z.array(asnSchema).default([]),
    domains: z.array(domainSchema).default([]),
  })
  .refine((o) => Boolean(o.nameZh || o.abbreviation || o.nameEn), {
    message: 'name_zh or abbreviation is required (the key an import matches organisations by)',
    path: ['nameZh'],
  });
export type OrganisationImport = z.output<typeof organisationImportSchema>;

/** One branch of a branch list. */
export const branchInputSchema = z
  .object({
    code: branchCodeSchema,
    nameZh: text(100).default(''),
    nameEn: text(100).default(''),
    shortZh: text(50).default(''),
    aliases: z.array(text(100).min(1, 'an alias cannot be empty')).default([]),
    isNational: z.boolean({ error: 'expected true or false' }).default(false),
    sortOrder: z.number().int().min(0).optional(),
  })
  .refine((b) => b.nameZh !== '' || b.nameEn !== '', {
    message: 'name_zh or name_en is required',
    path: ['nameZh'],
  });
export type BranchInput = z.output<typeof branchInputSchema>;

export const PAGE_SIZE_MAX = 200;

/** Organisation search: substring `q` of name_zh / name_en / abbreviation, kind, branch, paging. */
export const organisationQuerySchema = z.object({
  q: z.string().trim().max(200, 'at most 200 characters').optional(),
  kind: organisationKindSchema.optional(),
  branch: branchCodeSchema.optional(),
  supportRole: z.enum(['national-support', 'provincial-support']).optional(),
  page: z.coerce.number().int('expected a whole number').min(1, 'pages start at 1').default(1),
  pageSize: z.coerce
    .number()
    .int('expected a whole number')
    .min(1, 'at least 1')
    .max(PAGE_SIZE_MAX, `at most ${PAGE_SIZE_MAX}`)
    .default(50),
});
export type OrganisationQuery = z.output<typeof organisationQuerySchema>;
