import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Role } from '../../../core/auth/roles.ts';
import type { AppDeps } from '../../context.ts';
import {
  clearSessionCookie,
  clientIp,
  requireActor,
  sessionCookieOf,
  setSessionCookie,
} from '../../auth/auth.middleware.ts';
import type { AppEnv } from '../../context.ts';
import {
  ChangePasswordSchema,
  CreatedTokenSchema,
  CreatedUserSchema,
  errorResponses,
  IdParamSchema,
  LoginSchema,
  MeSchema,
  NewTokenSchema,
  NewUserSchema,
  SessionSchema,
  TokenQuerySchema,
  TokenSchema,
  toTokenJson,
  toUserJson,
  UserChangesSchema,
  UserQuerySchema,
  UserSchema,
} from './schemas.ts';

const security: Record<string, string[]>[] = [{ bearer: [] }, { session: [] }];
const json = <T>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const body = <T>(schema: T) => ({ content: { 'application/json': { schema } }, required: true });

const login = createRoute({
  method: 'post',
  path: '/api/v1/session',
  tags: ['auth'],
  summary: 'Sign in: sets the certops_session cookie and returns the CSRF token',
  request: { body: body(LoginSchema) },
  responses: { 200: json(SessionSchema, 'Signed in'), ...errorResponses(400, 401, 429) },
});

const logout = createRoute({
  method: 'delete',
  path: '/api/v1/session',
  tags: ['auth'],
  summary: 'Sign out (the session cookie; send X-CSRF-Token)',
  security,
  responses: { 204: { description: 'Signed out' }, ...errorResponses(403) },
});

const me = createRoute({
  method: 'get',
  path: '/api/v1/me',
  tags: ['auth'],
  summary: 'Who the caller is',
  security,
  responses: { 200: json(MeSchema, 'The caller'), ...errorResponses(401) },
});

const changePassword = createRoute({
  method: 'post',
  path: '/api/v1/me/password',
  tags: ['auth'],
  summary: "Change the signed-in user's password (other sessions end)",
  security,
  request: { body: body(ChangePasswordSchema) },
  responses: { 204: { description: 'Changed' }, ...errorResponses(400, 401, 403, 429) },
});

const listUsers = createRoute({
  method: 'get',
  path: '/api/v1/users',
  tags: ['users'],
  summary: 'List users (admins)',
  security,
  request: { query: UserQuerySchema },
  responses: {
    200: json(z.object({ items: z.array(UserSchema) }), 'Users'),
    ...errorResponses(400, 401, 403),
  },
});

const createUser = createRoute({
  method: 'post',
  path: '/api/v1/users',
  tags: ['users'],
  summary: 'Create a user (admins); without a password a one-time password is returned once',
  security,
  request: { body: body(NewUserSchema) },
  responses: { 201: json(CreatedUserSchema, 'Created'), ...errorResponses(400, 401, 403, 409) },
});

const getUser = createRoute({
  method: 'get',
  path: '/api/v1/users/{id}',
  tags: ['users'],
  summary: 'One user (admins; others get 404)',
  security,
  request: { params: IdParamSchema },
  responses: { 200: json(UserSchema, 'The user'), ...errorResponses(400, 401, 404) },
});

const updateUser = createRoute({
  method: 'patch',
  path: '/api/v1/users/{id}',
  tags: ['users'],
  summary:
    'Change role, branch, language, name, e-mail, password; disable or enable (admins; others get 404)',
  security,
  request: { params: IdParamSchema, body: body(UserChangesSchema) },
  responses: { 200: json(UserSchema, 'The user'), ...errorResponses(400, 401, 404, 409) },
});

const listTokens = createRoute({
  method: 'get',
  path: '/api/v1/tokens',
  tags: ['tokens'],
  summary: "The caller's API tokens (admins: ?all=true or ?userId=); never the token itself",
  security,
  request: { query: TokenQuerySchema },
  responses: {
    200: json(z.object({ items: z.array(TokenSchema) }), 'Tokens'),
    ...errorResponses(400, 401, 403),
  },
});

const createToken = createRoute({
  method: 'post',
  path: '/api/v1/tokens',
  tags: ['tokens'],
  summary: 'Create an API token; the token is in this response only',
  security,
  request: { body: body(NewTokenSchema) },
  responses: { 201: json(CreatedTokenSchema, 'Created'), ...errorResponses(400, 401, 403, 404) },
});

const revokeToken = createRoute({
  method: 'delete',
  path: '/api/v1/tokens/{id}',
  tags: ['tokens'],
  summary: "Revoke a token (the owner's or, for admins, anyone's; others get 404)",
  security,
  request: { params: IdParamSchema },
  responses: { 200: json(TokenSchema, 'Revoked'), ...errorResponses(400, 401, 404) },
});

/** /api/v1/session, /api/v1/me, /api/v1/users, /api/v1/tokens. */
export function registerAuthApi(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const { services } = deps;
  app.openAPIRegistry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: 'certops_session',
  });

  app.openapi(login, async (c) => {
    const { username, password } = c.req.valid('json');
    const s = await services.auth.login(username, password, clientIp(c));
    setSessionCookie(c, deps, s.cookieValue, s.expiresAt);
    return c.json({ user: toUserJson(s.user), csrfToken: s.csrfToken, expiresAt: s.expiresAt }, 200);
  });

  app.openapi(logout, async (c) => {
    const cookie = sessionCookieOf(c);
    if (cookie) await services.auth.logout(cookie, clientIp(c));
    clearSessionCookie(c, deps);
    return c.body(null, 204);
  });

  app.openapi(me, async (c) => {
    const actor = requireActor(c);
    let user = null;
    if (actor.userId !== null) {
      const cookie = actor.kind === 'user' ? sessionCookieOf(c) : null;
      const session = cookie ? await services.auth.resolveSession(cookie, actor.ip) : null;
      user = session?.user ?? null;
    }
    return c.json(
      {
        kind: actor.kind,
        label: actor.label,
        role: actor.role,
        branchCode: actor.branchCode,
        user: user ? toUserJson(user) : null,
        csrfToken: c.get('csrfToken'),
      },
      200,
    );
  });

  app.openapi(changePassword, async (c) => {
    const actor = requireActor(c);
    const b = c.req.valid('json');
    await services.auth.changeOwnPassword(
      actor,
      b.currentPassword,
      b.newPassword,
      sessionCookieOf(c) ?? undefined,
    );
    return c.body(null, 204);
  });

  app.openapi(listUsers, async (c) => {
    const actor = requireActor(c);
    const q = c.req.valid('query');
    const users = await services.auth.listUsers(actor, {
      ...(q.role ? { role: q.role } : {}),
      ...(q.branchCode ? { branchCode: q.branchCode } : {}),
      includeDisabled: q.includeDisabled ?? false,
    });
    return c.json({ items: users.map(toUserJson) }, 200);
  });

  app.openapi(createUser, async (c) => {
    const actor = requireActor(c);
    const b = c.req.valid('json');
    const { user, oneTimePassword } = await services.auth.createUser(actor, {
      username: b.username,
      role: b.role,
      ...(b.displayName !== undefined ? { displayName: b.displayName } : {}),
      ...(b.email !== undefined ? { email: b.email } : {}),
      ...(b.branchCode !== undefined ? { branchCode: b.branchCode } : {}),
      ...(b.language !== undefined ? { language: b.language } : {}),
      ...(b.password !== undefined ? { password: b.password } : {}),
    });
    return c.json({ user: toUserJson(user), oneTimePassword }, 201);
  });

  app.openapi(getUser, async (c) => {
    const actor = requireActor(c);
    const user = await services.auth.getUser(actor, Number(c.req.valid('param').id));
    return c.json(toUserJson(user), 200);
  });

  app.openapi(updateUser, async (c) => {
    const actor = requireActor(c);
    const id = Number(c.req.valid('param').id);
    const b = c.req.valid('json');
    const changes: Parameters<typeof services.auth.updateUser>[2] = {};
    if (b.displayName !== undefined) changes.displayName = b.displayName;
    if (b.email !== undefined) changes.email = b.email;
    if (b.role !== undefined) changes.role = b.role as Role;
    if (b.branchCode !== undefined) changes.branchCode = b.branchCode;
    if (b.language !== undefined) changes.language = b.language;
    if (b.disabled !== undefined) changes.disabled = b.disabled;
    if (b.password !== undefined) changes.password = b.password;
    const user = await services.auth.updateUser(actor, id, changes);
    return c.json(toUserJson(user), 200);
  });

  app.openapi(listTokens, async (c) => {
    const actor = requireActor(c);
    const q = c.req.valid('query');
    const tokens = await services.auth.listTokens(actor, {
      ...(q.all ? { all: true } : {}),
      ...(q.userId ? { userId: Number(q.userId) } : {}),
      includeRevoked: q.includeRevoked ?? false,
    });
    return c.json({ items: tokens.map(toTokenJson) }, 200);
  });

  app.openapi(createToken, async (c) => {
    const actor = requireActor(c);
    const b = c.req.valid('json');
    const { token, record } = await services.auth.createToken(actor, {
      name: b.name,
      ...(b.userId !== undefined ? { userId: b.userId } : {}),
      ...(b.role !== undefined ? { role: b.role } : {}),
      ...(b.branchCode !== undefined ? { branchCode: b.branchCode } : {}),
      ...(b.expiresInDays !== undefined ? { expiresInDays: b.expiresInDays } : {}),
      ...(b.expiresAt !== undefined ? { expiresAt: b.expiresAt } : {}),
    });
    return c.json({ token, record: toTokenJson(record) }, 201);
  });

  app.openapi(revokeToken, async (c) => {
    const actor = requireActor(c);
    const record = await services.auth.revokeToken(actor, Number(c.req.valid('param').id));
    return c.json(toTokenJson(record), 200);
  });
}
