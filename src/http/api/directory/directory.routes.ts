import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import {
  contactInputSchema,
  contactPatchSchema,
  organisationInputSchema,
  organisationPatchSchema,
  organisationQuerySchema,
  resourceInputSchema,
} from '../../../core/directory/directory.schemas.ts';
import type { AppDeps } from '../../context.ts';
import { requireActor } from '../../auth/auth.middleware.ts';
import type { AppEnv } from '../../context.ts';
import {
  branchCodeParamSchema,
  branchSchema,
  contactSchema,
  errorSchema,
  idParamSchema,
  lookupQuerySchema,
  lookupResultSchema,
  organisationDetailsSchema,
  organisationPageSchema,
  resourceAddedSchema,
  resourceParamSchema,
} from './directory.schemas.ts';

const TAGS = ['directory'];
const security = [{ bearer: [] }];

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});
const err = (description: string) => json(errorSchema, description);
const body = <T extends z.ZodType>(schema: T) => ({
  body: { content: { 'application/json': { schema } }, required: true },
});

const READ_ERRORS = {
  400: err('invalid input (fields named)'),
  401: err('not signed in'),
  403: err('role may not read the directory'),
};
const WRITE_ERRORS = {
  400: err('invalid input (fields named)'),
  401: err('not signed in'),
  403: err('role may not change the directory (directory.write)'),
  404: err('no such organisation'),
};

const listBranches = createRoute({
  method: 'get',
  path: '/api/v1/branches',
  tags: TAGS,
  security,
  summary: 'The branches (regional centres) and the national centre',
  responses: {
    200: json(z.object({ items: z.array(branchSchema) }), 'branches in display order'),
    ...READ_ERRORS,
  },
});

const getBranch = createRoute({
  method: 'get',
  path: '/api/v1/branches/{code}',
  tags: TAGS,
  security,
  summary: 'One branch by code',
  request: { params: branchCodeParamSchema },
  responses: { 200: json(branchSchema, 'the branch'), ...READ_ERRORS, 404: err('no such branch') },
});

const searchOrganisations = createRoute({
  method: 'get',
  path: '/api/v1/organisations',
  tags: TAGS,
  security,
  summary: 'Search organisations: name/abbreviation substring, kind, branch; paged',
  request: { query: organisationQuerySchema },
  responses: { 200: json(organisationPageSchema, 'one page of organisations'), ...READ_ERRORS },
});

const createOrganisation = createRoute({
  method: 'post',
  path: '/api/v1/organisations',
  tags: TAGS,
  security,
  summary: 'Create an organisation',
  request: body(organisationInputSchema),
  responses: { 201: json(organisationDetailsSchema, 'created'), ...WRITE_ERRORS },
});

const getOrganisation = createRoute({
  method: 'get',
  path: '/api/v1/organisations/{id}',
  tags: TAGS,
  security,
  summary: 'An organisation with its contacts, networks, ASNs and domains',
  request: { params: idParamSchema },
  responses: {
    200: json(organisationDetailsSchema, 'the organisation'),
    ...READ_ERRORS,
    404: err('no such organisation'),
  },
});

const updateOrganisation = createRoute({
  method: 'patch',
  path: '/api/v1/organisations/{id}',
  tags: TAGS,
  security,
  summary: 'Change an organisation (only the fields given)',
  request: { params: idParamSchema, ...body(organisationPatchSchema) },
  responses: { 200: json(organisationDetailsSchema, 'the organisation after the change'), ...WRITE_ERRORS },
});

const deleteOrganisation = createRoute({
  method: 'delete',
  path: '/api/v1/organisations/{id}',
  tags: TAGS,
  security,
  summary: 'Delete an organisation with its contacts and networks',
  request: { params: idParamSchema },
  responses: {
    204: { description: 'deleted' },
    ...WRITE_ERRORS,
    409: err('reports or incident actions refer to it'),
  },
});

const addContact = createRoute({
  method: 'post',
  path: '/api/v1/organisations/{id}/contacts',
  tags: TAGS,
  security,
  summary: 'Add a contact (e-mail or phone required)',
  request: { params: idParamSchema, ...body(contactInputSchema) },
  responses: { 201: json(contactSchema, 'created'), ...WRITE_ERRORS },
});

const updateContact = createRoute({
  method: 'patch',
  path: '/api/v1/contacts/{id}',
  tags: TAGS,
  security,
  summary: 'Change a contact (only the fields given)',
  request: { params: idParamSchema, ...body(contactPatchSchema) },
  responses: { 200: json(contactSchema, 'the contact after the change'), ...WRITE_ERRORS },
});

const deleteContact = createRoute({
  method: 'delete',
  path: '/api/v1/contacts/{id}',
  tags: TAGS,
  security,
  summary: 'Remove a contact',
  request: { params: idParamSchema },
  responses: { 204: { description: 'removed' }, ...WRITE_ERRORS },
});

const addResource = createRoute({
  method: 'post',
  path: '/api/v1/organisations/{id}/networks',
  tags: TAGS,
  security,
  summary: 'Add a network (cidr), an AS number (asn) or a domain the organisation answers for',
  request: { params: idParamSchema, ...body(resourceInputSchema) },
  responses: {
    201: json(resourceAddedSchema, 'added'),
    ...WRITE_ERRORS,
    409: err('the organisation lists it already'),
  },
});

const removeResource = createRoute({
  method: 'delete',
  path: '/api/v1/directory/{kind}/{id}',
  tags: TAGS,
  security,
  summary: 'Remove a network, AS number or domain from its organisation (by its id)',
  request: { params: resourceParamSchema },
  responses: { 204: { description: 'removed' }, ...WRITE_ERRORS },
});

const lookup = createRoute({
  method: 'get',
  path: '/api/v1/directory/lookup',
  tags: TAGS,
  security,
  summary: 'Who answers for an IP (most specific network), an ASN or a domain (longest suffix)',
  request: { query: lookupQuerySchema },
  responses: {
    200: json(lookupResultSchema, 'the organisation and its abuse contacts, or null'),
    ...READ_ERRORS,
  },
});

const RESOURCE_KIND = { networks: 'network', asns: 'asn', domains: 'domain' } as const;

/** /api/v1/branches, /api/v1/organisations, /api/v1/contacts, /api/v1/directory/… */
export function registerDirectoryApi(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const svc = () => deps.services.directory;

  // Anonymous callers get 401 before any validation (401 beats 400).
  for (const path of [
    '/api/v1/branches',
    '/api/v1/branches/*',
    '/api/v1/organisations',
    '/api/v1/organisations/*',
    '/api/v1/contacts/*',
    '/api/v1/directory/*',
  ]) {
    app.use(path, async (c, next) => {
      requireActor(c);
      await next();
    });
  }

  app.openapi(listBranches, async (c) => {
    const items = await svc().listBranches(requireActor(c));
    return c.json({ items }, 200);
  });

  app.openapi(getBranch, async (c) => {
    const b = await svc().getBranch(requireActor(c), c.req.valid('param').code);
    return c.json(b, 200);
  });

  app.openapi(searchOrganisations, async (c) => {
    const page = await svc().searchOrganisations(requireActor(c), c.req.valid('query'));
    return c.json(page, 200);
  });

  app.openapi(createOrganisation, async (c) => {
    const org = await svc().createOrganisation(requireActor(c), c.req.valid('json'));
    return c.json(org, 201, { location: `/api/v1/organisations/${org.id}` });
  });

  app.openapi(getOrganisation, async (c) => {
    const org = await svc().getOrganisation(requireActor(c), c.req.valid('param').id);
    return c.json(org, 200);
  });

  app.openapi(updateOrganisation, async (c) => {
    const org = await svc().updateOrganisation(requireActor(c), c.req.valid('param').id, c.req.valid('json'));
    return c.json(org, 200);
  });

  app.openapi(deleteOrganisation, async (c) => {
    await svc().deleteOrganisation(requireActor(c), c.req.valid('param').id);
    return c.body(null, 204);
  });

  app.openapi(addContact, async (c) => {
    const contact = await svc().addContact(requireActor(c), c.req.valid('param').id, c.req.valid('json'));
    return c.json(contact, 201);
  });

  app.openapi(updateContact, async (c) => {
    const contact = await svc().updateContact(requireActor(c), c.req.valid('param').id, c.req.valid('json'));
    return c.json(contact, 200);
  });

  app.openapi(deleteContact, async (c) => {
    await svc().removeContact(requireActor(c), c.req.valid('param').id);
    return c.body(null, 204);
  });

  app.openapi(addResource, async (c) => {
    // The service validates the body again from the raw input (a transformed cidr/asn/domain is canonical).
    const added = await svc().addResource(requireActor(c), c.req.valid('param').id, c.req.valid('json'));
    return c.json(added, 201);
  });

  app.openapi(removeResource, async (c) => {
    const { kind, id } = c.req.valid('param');
    await svc().removeResource(requireActor(c), RESOURCE_KIND[kind], id);
    return c.body(null, 204);
  });

  app.openapi(lookup, async (c) => {
    const responsible = await svc().lookup(requireActor(c), c.req.valid('query'));
    return c.json({ responsible }, 200);
  });
}
