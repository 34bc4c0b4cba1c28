import { z } from '@hono/zod-openapi';
import { ROLES } from '../../../core/auth/roles.ts';
import type { TokenRecord, UserRecord } from '../../../services/ports.ts';

export const RoleSchema = z.enum(ROLES).openapi({ description: 'Role', example: 'branch_handler' });
export const LanguageSchema = z.enum(['zh-CN', 'en']);
const BranchCode = z
  .string()
  .regex(/^CN-[A-Z]{2,8}$/, 'a branch code like CN-XJ')
  .openapi({ example: 'CN-XJ' });

export const ErrorSchema = z
  .object({
    error: z.object({
      id: z.string().openapi({ example: 'invalid_input' }),
      message: z.string(),
      fields: z.array(z.object({ field: z.string(), message: z.string() })),
    }),
  })
  .openapi('Error');

export const UserSchema = z
  .object({
    id: z.number().int(),
    username: z.string(),
    displayName: z.string(),
    email: z.string(),
    role: RoleSchema,
    branchCode: z.string().nullable(),
    language: LanguageSchema,
    disabled: z.boolean(),
    mustChangePassword: z.boolean(),
    createdAt: z.string(),
    lastLoginAt: z.string().nullable(),
  })
  .openapi('User');

export const TokenSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    prefix: z.string().openapi({ description: 'First 8 characters of the token', example: 'cto_AbCd' }),
    userId: z.number().int(),
    username: z.string(),
    role: RoleSchema,
    branchCode: z.string().nullable(),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
  })
  .openapi('Token');

export const LoginSchema = z
  .object({
    username: z.string().min(1).max(64),
    password: z.string().min(1).max(256),
  })
  .openapi('Login');

export const SessionSchema = z
  .object({
    user: UserSchema,
    csrfToken: z
      .string()
      .openapi({ description: 'Send as X-CSRF-Token on writes authenticated by the session cookie' }),
    expiresAt: z.string(),
  })
  .openapi('Session');

export const MeSchema = z
  .object({
    kind: z.enum(['user', 'token', 'system']),
    label: z.string(),
    role: RoleSchema,
    branchCode: z.string().nullable(),
    user: UserSchema.nullable(),
    csrfToken: z.string().nullable(),
  })
  .openapi('Me');

export const ChangePasswordSchema = z
  .object({
    currentPassword: z.string().min(1).max(256),
    newPassword: z.string().min(1).max(256),
  })
  .strict()
  .openapi('ChangePassword');

export const NewUserSchema = z
  .object({
    username: z.string().min(1).max(64),
    displayName: z.string().max(200).optional(),
    email: z.string().max(254).optional(),
    role: RoleSchema,
    branchCode: BranchCode.nullable()
      .optional()
      .openapi({ description: 'Required iff role is branch_handler' }),
    language: LanguageSchema.optional(),
    password: z
      .string()
      .max(256)
      .optional()
      .openapi({ description: 'Omitted: a one-time password is generated and returned once' }),
  })
  .strict()
  .openapi('NewUser');

export const CreatedUserSchema = z
  .object({ user: UserSchema, oneTimePassword: z.string().nullable() })
  .openapi('CreatedUser');

export const UserChangesSchema = z
  .object({
    displayName: z.string().max(200).optional(),
    email: z.string().max(254).optional(),
    role: RoleSchema.optional(),
    branchCode: BranchCode.nullable().optional(),
    language: LanguageSchema.optional(),
    disabled: z.boolean().optional(),
    password: z.string().max(256).optional(),
  })
  .strict()
  .openapi('UserChanges');

export const NewTokenSchema = z
  .object({
    name: z.string().min(1).max(100),
    userId: z
      .number()
      .int()
      .positive()
      .optional()
      .openapi({ description: "Another user's token: admins only" }),
    role: RoleSchema.optional().openapi({ description: "Default the owner's role; never wider" }),
    branchCode: BranchCode.nullable().optional(),
    expiresInDays: z.number().int().min(1).max(3650).optional(),
    expiresAt: z.string().datetime({ offset: true }).nullable().optional(),
  })
  .strict()
  .openapi('NewToken');

export const CreatedTokenSchema = z
  .object({
    token: z
      .string()
      .openapi({ description: 'The token itself: shown only in this response', example: 'cto_…' }),
    record: TokenSchema,
  })
  .openapi('CreatedToken');

export const IdParamSchema = z.object({
  id: z
    .string()
    .regex(/^\d{1,15}$/, 'a positive whole number')
    .openapi({ param: { name: 'id', in: 'path' }, example: '7' }),
});

const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export const UserQuerySchema = z.object({
  role: RoleSchema.optional(),
  branchCode: BranchCode.optional(),
  includeDisabled: flag.optional(),
});

export const TokenQuerySchema = z.object({
  all: flag.optional().openapi({ description: 'Every user’s tokens (admins)' }),
  userId: z
    .string()
    .regex(/^\d{1,15}$/)
    .optional(),
  includeRevoked: flag.optional(),
});

export function errorResponses(...statuses: (400 | 401 | 403 | 404 | 409 | 429)[]) {
  const descriptions: Record<number, string> = {
    400: 'Invalid input',
    401: 'Not signed in, or the token is invalid',
    403: 'The role may not do this (or the CSRF token is missing)',
    404: 'Not found (or not visible to the caller)',
    409: 'Conflicts with the current state',
    429: 'Too many attempts',
  };
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      { description: descriptions[s]!, content: { 'application/json': { schema: ErrorSchema } } },
    ]),
  ) as Record<
    (typeof statuses)[number],
    { description: string; content: { 'application/json': { schema: typeof ErrorSchema } } }
  >;
}

export function toUserJson(u: UserRecord): z.infer<typeof UserSchema> {
  return { ...u };
}

export function toTokenJson(t: TokenRecord): z.infer<typeof TokenSchema> {
  return { ...t };
}
