import { z } from '@hono/zod-openapi';
import {
  CONTACT_ROLES,
  DIRECTORY_LANGUAGES,
  NOTIFY_INTERVALS,
  ORGANISATION_KINDS,
  SUPPORT_ROLES,
} from '../../../core/directory/directory.ts';

/*
 * Response shapes of the directory API (they document /api/openapi.json). Request bodies use the
 * core input schemas (core/directory/directory.schemas.ts) directly, so the API validates exactly
 * what the service does.
 */

export const branchSchema = z
  .object({
    code: z.string().openapi({ example: 'CN-XJ' }),
    nameZh: z.string().openapi({ example: '新疆维吾尔自治区' }),
    nameEn: z.string().openapi({ example: 'Xinjiang' }),
    shortZh: z.string().openapi({ example: '新疆' }),
    aliases: z.array(z.string()),
    isNational: z.boolean(),
    sortOrder: z.number().int(),
  })
  .openapi('Branch');

export const organisationSchema = z
  .object({
    id: z.number().int(),
    kind: z.enum(ORGANISATION_KINDS),
    nameZh: z.string(),
    nameEn: z.string(),
    abbreviation: z.string(),
    country: z.string(),
    branchCode: z.string().nullable(),
    website: z.string(),
    registeredInCommunity: z.boolean(),
    supportRole: z.enum(SUPPORT_ROLES),
    language: z.enum(DIRECTORY_LANGUAGES),
    notifyInterval: z.enum(NOTIFY_INTERVALS),
    notes: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Organisation');

export const contactSchema = z
  .object({
    id: z.number().int(),
    organisationId: z.number().int(),
    role: z.enum(CONTACT_ROLES),
    name: z.string(),
    email: z.string(),
    phone: z.string(),
    pgpKey: z.string(),
    language: z.enum(DIRECTORY_LANGUAGES),
    createdAt: z.string(),
  })
  .openapi('Contact');

export const networkSchema = z
  .object({
    id: z.number().int(),
    organisationId: z.number().int(),
    cidr: z.string().openapi({ example: '202.96.0.0/16' }),
    ipStart: z.string(),
    ipEnd: z.string(),
  })
  .openapi('OrganisationNetwork');

export const asnRecordSchema = z
  .object({ id: z.number().int(), organisationId: z.number().int(), asn: z.number().int() })
  .openapi('OrganisationAsn');

export const domainRecordSchema = z
  .object({ id: z.number().int(), organisationId: z.number().int(), domain: z.string() })
  .openapi('OrganisationDomain');

export const organisationDetailsSchema = organisationSchema
  .extend({
    contacts: z.array(contactSchema),
    networks: z.array(networkSchema),
    asns: z.array(asnRecordSchema),
    domains: z.array(domainRecordSchema),
  })
  .openapi('OrganisationDetails');

export const organisationPageSchema = z
  .object({
    items: z.array(organisationSchema),
    total: z.number().int(),
    page: z.number().int(),
    pageSize: z.number().int(),
  })
  .openapi('OrganisationPage');

export const resourceAddedSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('network'), record: networkSchema }),
    z.object({ kind: z.literal('asn'), record: asnRecordSchema }),
    z.object({ kind: z.literal('domain'), record: domainRecordSchema }),
  ])
  .openapi('OrganisationResourceAdded');

export const lookupResultSchema = z
  .object({
    responsible: z
      .object({
        organisation: organisationSchema,
        abuseContacts: z.array(contactSchema),
        match: z.discriminatedUnion('kind', [
          z.object({ kind: z.literal('network'), cidr: z.string() }),
          z.object({ kind: z.literal('asn'), asn: z.number().int() }),
          z.object({ kind: z.literal('domain'), domain: z.string() }),
        ]),
      })
      .nullable(),
  })
  .openapi('DirectoryLookup');

export const errorSchema = z
  .object({
    error: z.object({
      id: z.string(),
      message: z.string(),
      fields: z.array(z.object({ field: z.string(), message: z.string() })),
    }),
  })
  .openapi('Error');

export const idParamSchema = z.object({
  id: z.coerce
    .number()
    .int('expected a whole number')
    .positive('expected a positive id')
    .openapi({ param: { name: 'id', in: 'path' }, example: 12 }),
});

export const branchCodeParamSchema = z.object({
  code: z
    .string()
    .regex(/^[A-Za-z]{2}-[A-Za-z0-9]{1,12}$/, 'expected a branch code like CN-XJ')
    .openapi({ param: { name: 'code', in: 'path' }, example: 'CN-XJ' }),
});

export const resourceParamSchema = z.object({
  kind: z
    .enum(['networks', 'asns', 'domains'], { error: 'expected networks, asns or domains' })
    .openapi({ param: { name: 'kind', in: 'path' } }),
  id: idParamSchema.shape.id,
});

export const lookupQuerySchema = z.object({
  ip: z.string().optional().openapi({ example: '202.96.1.1' }),
  asn: z.string().optional().openapi({ example: 'AS4134' }),
  domain: z.string().optional().openapi({ example: 'www.example.cn' }),
});
