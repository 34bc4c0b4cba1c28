import { createHash, randomBytes } from 'node:crypto';
import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { requirePermission, systemActor, type Actor } from '../core/auth/actor.ts';
import {
  checkPasswordPolicy,
  checkUsername,
  formatGeneratedPassword,
  normaliseUsername,
} from '../core/auth/password.ts';
import { createRateLimiter } from '../core/auth/rate-limiter.ts';
import { can, ROLES, seesAllBranches, type Role } from '../core/auth/roles.ts';
import { displayPrefixOf, formatSecret, formatToken, isTokenFormat, mayGrant } from '../core/auth/token.ts';
import type { Clock } from '../core/shared/clock.ts';
import { DomainError, invalidInput, notFound, type FieldIssue } from '../core/shared/errors.ts';
import type {
  AuditEntry,
  AuditPort,
  AuthRepository,
  BranchOption,
  TokenRecord,
  UserChanges,
  UserRecord,
} from './ports.ts';

export type UserLanguage = 'zh-CN' | 'en';

export interface NewUserInput {
  username: string;
  displayName?: string;
  email?: string;
  role: Role;
  /** Required iff role is branch_handler: an existing branch code. */
  branchCode?: string | null;
  language?: UserLanguage;
  /** Omitted: a one-time password is generated (and must be changed at first sign-in). */
  password?: string;
  mustChangePassword?: boolean;
}

export interface UserUpdateInput {
  displayName?: string;
  email?: string;
  role?: Role;
  branchCode?: string | null;
  language?: UserLanguage;
  disabled?: boolean;
  password?: string;
}

export interface NewTokenInput {
  name: string;
  /** Owner; default the acting user. Someone else's: needs token.manage. */
  userId?: number;
  /** Default the owner's role. Never wider than the owner's (and the creator's) rights. */
  role?: Role;
  branchCode?: string | null;
  expiresAt?: string | null;
  expiresInDays?: number;
}

export interface LoginResult {
  /** Goes into the `certops_session` cookie; only its SHA-256 is stored. */
  cookieValue: string;
  csrfToken: string;
  expiresAt: string;
  user: UserRecord;
}

export interface ResolvedSession {
  actor: Actor;
  csrfToken: string;
  expiresAt: string;
  user: UserRecord;
}

export interface AuthService {
  createUser(
    actor: Actor,
    input: NewUserInput,
  ): Promise<{ user: UserRecord; oneTimePassword: string | null }>;
  listUsers(
    actor: Actor,
    filter?: { role?: Role; branchCode?: string; includeDisabled?: boolean },
  ): Promise<UserRecord[]>;
  getUser(actor: Actor, id: number): Promise<UserRecord>;
  /**
   * Enabled staff who may handle incidents of `branchCode` (assignee lists, names in the queue):
   * admins, national handlers and that branch's handlers (every branch's when omitted). A branch
   * handler only ever gets their own branch's. Needs incident.read, not user.manage.
   */
  listHandlers(actor: Actor, branchCode?: string): Promise<HandlerRef[]>;
  /** The branches a user can be given (user managers only). */
  listBranchOptions(actor: Actor): Promise<BranchOption[]>;
  getUserByUsername(actor: Actor, username: string): Promise<UserRecord>;
  updateUser(actor: Actor, id: number, input: UserUpdateInput): Promise<UserRecord>;
  setUserDisabled(actor: Actor, id: number, disabled: boolean): Promise<UserRecord>;
  /** An administrator sets someone's password; the user is signed out everywhere. */
  setPassword(actor: Actor, id: number, password: string, options?: { mustChange?: boolean }): Promise<void>;
  /** A signed-in user changes their own password; other sessions end, `keepSessionCookie` stays. */
  changeOwnPassword(
    actor: Actor,
    currentPassword: string,
    newPassword: string,
    keepSessionCookie?: string,
  ): Promise<void>;

  login(username: string, password: string, ip: string): Promise<LoginResult>;
  resolveSession(cookieValue: string, ip: string): Promise<ResolvedSession | null>;
  logout(cookieValue: string, ip: string): Promise<void>;
  purgeExpiredSessions(): Promise<number>;

  createToken(actor: Actor, input: NewTokenInput): Promise<{ token: string; record: TokenRecord }>;
  listTokens(
    actor: Actor,
    filter?: { userId?: number; all?: boolean; includeRevoked?: boolean },
  ): Promise<TokenRecord[]>;
  revokeToken(actor: Actor, id: number): Promise<TokenRecord>;
  resolveToken(token: string, ip: string): Promise<Actor | null>;

  /** First start: creates `admin` when there is no admin user; returns the one-time password if generated. */
  ensureAdmin(
    password?: string,
  ): Promise<{ created: boolean; username: string; oneTimePassword: string | null }>;
}

/** A user as an assignee list shows them. */
export type HandlerRef = Pick<UserRecord, 'id' | 'username' | 'displayName' | 'role' | 'branchCode'>;

export interface AuthServiceOptions {
  sessionTtlHours: number;
  loginPerWindow: number;
  windowSeconds: number;
  /** Language of new users when none is given. */
  defaultLanguage?: UserLanguage;
}

const ARGON2ID = 2 as Algorithm;
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** last_used_at is written at most this often per token (one write per request would be wasteful). */
const TOUCH_INTERVAL_MS = 60_000;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export async function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: ARGON2ID });
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  if (!passwordHash) return false;
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

function publicView(u: UserRecord) {
  return {
    username: u.username,
    displayName: u.displayName,
    email: u.email,
    role: u.role,
    branchCode: u.branchCode,
    language: u.language,
    disabled: u.disabled,
  };
}

function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

function fail(fields: FieldIssue[], what = 'invalid input'): never {
  throw invalidInput(what, fields);
}

export function createAuthService(deps: {
  repo: AuthRepository;
  audit: AuditPort;
  clock: Clock;
  options: AuthServiceOptions;
}): AuthService {
  const { repo, audit, clock, options } = deps;
  const defaultLanguage = options.defaultLanguage ?? 'zh-CN';
  const limiter = createRateLimiter({
    limit: options.loginPerWindow,
    windowSeconds: options.windowSeconds,
    clock,
  });
  let dummyHash: Promise<string> | null = null;

  const now = () => clock.now().toISOString();

  function entry(
    actor: Actor,
    e: Omit<AuditEntry, 'at' | 'actorId' | 'actor' | 'ip' | 'incidentId'>,
  ): AuditEntry {
    return {
      at: now(),
      actorId: actor.userId,
      actor: actor.label,
      ip: actor.ip,
      incidentId: null,
      ...e,
    };
  }

  /** A denial: audited, and a 404 to the caller (existence is not revealed). */
  async function deny(actor: Actor, entity: string, entityId: string, what: string): Promise<never> {
    await audit.record(entry(actor, { entity, entityId, action: 'denied', before: null, after: null }));
    throw notFound(what);
  }

  async function requireManager(actor: Actor): Promise<void> {
    if (actor.kind === 'system' || can(actor.role, 'user.manage')) return;
    await audit.record(
      entry(actor, { entity: 'user', entityId: '*', action: 'denied', before: null, after: null }),
    );
    requirePermission(actor, 'user.manage');
  }

  async function checkRoleBranch(
    role: Role,
    branchCode: string | null,
    issues: FieldIssue[],
    field = 'branchCode',
  ): Promise<void> {
    if (role === 'branch_handler') {
      if (!branchCode) issues.push({ field, message: 'required for role branch_handler' });
      else if (!(await repo.branchExists(branchCode)))
        issues.push({ field, message: `unknown branch "${branchCode}"` });
    } else if (branchCode) {
      issues.push({ field, message: `only a branch_handler has a branch (role is ${role})` });
    }
  }

  function checkEmail(email: string, issues: FieldIssue[]): void {
    if (email !== '' && (email.length > 254 || !EMAIL_PATTERN.test(email)))
      issues.push({ field: 'email', message: 'not an e-mail address' });
  }

  function checkDisplayName(name: string, issues: FieldIssue[]): void {
    if ([...name].length > 200) issues.push({ field: 'displayName', message: 'at most 200 characters' });
  }

  async function loadUser(actor: Actor, id: number): Promise<UserRecord> {
    await requireManagerOr404(actor, id);
    const u = await repo.findUserById(id);
    if (!u) throw notFound('user');
    const { passwordHash: _omit, ...user } = u;
    return user;
  }

  async function requireManagerOr404(actor: Actor, id: number): Promise<void> {
    if (actor.kind === 'system' || can(actor.role, 'user.manage')) return;
    await deny(actor, 'user', String(id), 'user');
  }

  /** Refuses to leave the system without an enabled admin. */
  async function guardLastAdmin(user: UserRecord, next: { role: Role; disabled: boolean }): Promise<void> {
    const losesAdmin = user.role === 'admin' && !user.disabled && (next.role !== 'admin' || next.disabled);
    if (losesAdmin && (await repo.countActiveAdmins()) <= 1)
      throw new DomainError('conflict', 'this is the last enabled admin: create another admin first');
  }

  function generatePassword(): string {
    return formatGeneratedPassword(randomBytes(64), 20);
  }

  async function mustHash(password: string, username: string, field = 'password'): Promise<string> {
    const issues = checkPasswordPolicy(password, username, field);
    if (issues.length) fail(issues, 'password refused');
    return hashPassword(password);
  }

  function newSecret(): string {
    return formatSecret(randomBytes(32));
  }

  const service: AuthService = {
    async createUser(actor, input) {
      await requireManager(actor);
      const issues: FieldIssue[] = [];
      const username = normaliseUsername(input.username ?? '');
      issues.push(...checkUsername(username));
      if (!isRole(input.role)) issues.push({ field: 'role', message: `must be one of ${ROLES.join(', ')}` });
      const branchCode = input.branchCode ? input.branchCode.trim() : null;
      if (isRole(input.role)) await checkRoleBranch(input.role, branchCode, issues);
      const email = (input.email ?? '').trim();
      checkEmail(email, issues);
      const displayName = (input.displayName ?? '').trim() || username;
      checkDisplayName(displayName, issues);
      const language = input.language ?? defaultLanguage;
      if (language !== 'zh-CN' && language !== 'en')
        issues.push({ field: 'language', message: 'must be zh-CN or en' });
      if (input.password !== undefined) issues.push(...checkPasswordPolicy(input.password, username));
      if (issues.length) fail(issues, 'invalid user');
      if (await repo.findUserByUsername(username))
        throw new DomainError('conflict', `user "${username}" already exists`, [
          { field: 'username', message: 'already taken' },
        ]);
      const oneTimePassword = input.password === undefined ? generatePassword() : null;
      const passwordHash = await hashPassword(input.password ?? oneTimePassword!);
      const row = {
        username,
        displayName,
        email,
        passwordHash,
        role: input.role,
        branchCode,
        language,
        mustChangePassword: oneTimePassword !== null || input.mustChangePassword === true,
        createdAt: now(),
      };
      let user: UserRecord;
      try {
        user = await repo.createUser(row, {
          at: row.createdAt,
          actorId: actor.userId,
          actor: actor.label,
          ip: actor.ip,
          incidentId: null,
          entity: 'user',
          action: 'create',
          before: null,
          after: {
            username,
            displayName,
            email,
            role: row.role,
            branchCode,
            language,
            disabled: false,
          },
        });
      } catch (e) {
        if (await repo.findUserByUsername(username))
          throw new DomainError('conflict', `user "${username}" already exists`, [
            { field: 'username', message: 'already taken' },
          ]);
        throw e;
      }
      return { user, oneTimePassword };
    },

    async listUsers(actor, filter = {}) {
      await requireManager(actor);
      return repo.listUsers(filter);
    },

    getUser: (actor, id) => loadUser(actor, id),

    async listHandlers(actor, branchCode) {
      requirePermission(actor, 'incident.read');
      const own =
        actor.kind !== 'system' && !seesAllBranches(actor.role)
          ? (actor.branchCode ?? '__none__')
          : undefined;
      const branch = own ?? branchCode;
      const users = [
        ...(await repo.listUsers({ role: 'admin' })),
        ...(await repo.listUsers({ role: 'national_handler' })),
        ...(await repo.listUsers({
          role: 'branch_handler',
          ...(branch !== undefined ? { branchCode: branch } : {}),
        })),
      ];
      return users
        .map(({ id, username, displayName, role, branchCode: b }) => ({
          id,
          username,
          displayName,
          role,
          branchCode: b,
        }))
        .sort((x, y) => x.username.localeCompare(y.username));
    },

    async listBranchOptions(actor) {
      await requireManager(actor);
      return repo.listBranches();
    },

    async getUserByUsername(actor, username) {
      const u = await repo.findUserByUsername(normaliseUsername(username));
      if (!u) {
        await requireManager(actor);
        throw notFound(`user "${username}"`);
      }
      return loadUser(actor, u.id);
    },

    async updateUser(actor, id, input) {
      const user = await loadUser(actor, id);
      const issues: FieldIssue[] = [];
      const changes: UserChanges = {};
      if (input.displayName !== undefined) {
        const name = input.displayName.trim() || user.username;
        checkDisplayName(name, issues);
        changes.displayName = name;
      }
      if (input.email !== undefined) {
        changes.email = input.email.trim();
        checkEmail(changes.email, issues);
      }
      if (input.language !== undefined) {
        if (input.language !== 'zh-CN' && input.language !== 'en')
          issues.push({ field: 'language', message: 'must be zh-CN or en' });
        changes.language = input.language;
      }
      if (input.role !== undefined && !isRole(input.role))
        issues.push({ field: 'role', message: `must be one of ${ROLES.join(', ')}` });
      const role = input.role ?? user.role;
      let branchCode: string | null;
      if (input.branchCode !== undefined) branchCode = input.branchCode ? input.branchCode.trim() : null;
      else branchCode = role === 'branch_handler' ? user.branchCode : null;
      if (isRole(role)) await checkRoleBranch(role, branchCode, issues);
      if (role !== user.role) changes.role = role;
      if (branchCode !== user.branchCode) changes.branchCode = branchCode;
      if (input.disabled !== undefined && input.disabled !== user.disabled) changes.disabled = input.disabled;
      if (input.password !== undefined) issues.push(...checkPasswordPolicy(input.password, user.username));
      if (issues.length) fail(issues, 'invalid user');
      await guardLastAdmin(user, { role, disabled: changes.disabled ?? user.disabled });
      if (input.password !== undefined) {
        changes.passwordHash = await hashPassword(input.password);
        changes.mustChangePassword = false;
      }
      const signOut = changes.disabled === true || changes.passwordHash !== undefined;
      const after: Record<string, unknown> = { ...publicView({ ...user, ...changesView(changes) }) };
      if (changes.passwordHash !== undefined) after.password = 'changed';
      const updated = await repo.updateUser(
        id,
        changes,
        entry(actor, {
          entity: 'user',
          entityId: String(id),
          action: changes.disabled === true ? 'disable' : changes.disabled === false ? 'enable' : 'update',
          before: publicView(user),
          after,
        }),
        { dropSessions: signOut },
      );
      if (!updated) throw notFound('user');
      return updated;
    },

    async setUserDisabled(actor, id, disabled) {
      return service.updateUser(actor, id, { disabled });
    },

    async setPassword(actor, id, password, opts = {}) {
      const user = await loadUser(actor, id);
      const passwordHash = await mustHash(password, user.username);
      await repo.updateUser(
        id,
        { passwordHash, mustChangePassword: opts.mustChange ?? false },
        entry(actor, {
          entity: 'user',
          entityId: String(id),
          action: 'set_password',
          before: null,
          after: { password: 'changed', mustChangePassword: opts.mustChange ?? false },
        }),
        { dropSessions: true },
      );
    },

    async changeOwnPassword(actor, currentPassword, newPassword, keepSessionCookie) {
      if (actor.kind !== 'user' || actor.userId === null)
        throw new DomainError('forbidden', 'only a signed-in user can change their password');
      const user = await repo.findUserById(actor.userId);
      if (!user || user.disabled) throw new DomainError('unauthorized', 'not signed in');
      if (!limiter.hit(`password:${user.id}`).allowed)
        throw new DomainError('rate_limited', 'too many attempts; try again later');
      if (!(await verifyPassword(user.passwordHash, currentPassword))) {
        await audit.record(
          entry(actor, {
            entity: 'user',
            entityId: String(user.id),
            action: 'change_password_failed',
            before: null,
            after: null,
          }),
        );
        throw invalidInput('the current password is wrong', [
          { field: 'currentPassword', message: 'wrong password' },
        ]);
      }
      if (newPassword === currentPassword)
        fail(
          [{ field: 'newPassword', message: 'must differ from the current password' }],
          'password refused',
        );
      const passwordHash = await mustHash(newPassword, user.username, 'newPassword');
      await repo.updateUser(
        user.id,
        { passwordHash, mustChangePassword: false },
        entry(actor, {
          entity: 'user',
          entityId: String(user.id),
          action: 'change_password',
          before: null,
          after: { password: 'changed' },
        }),
        {
          dropSessions: true,
          ...(keepSessionCookie ? { keepSessionId: sha256Hex(keepSessionCookie) } : {}),
        },
      );
    },

    async login(rawUsername, password, ip) {
      const username = normaliseUsername(String(rawUsername ?? '')).slice(0, 64);
      const byIp = limiter.hit(`ip:${ip}`);
      const byUser = limiter.hit(`user:${username}`);
      if (!byIp.allowed || !byUser.allowed) {
        const wait = Math.max(
          byIp.allowed ? 0 : byIp.retryAfterSeconds,
          byUser.allowed ? 0 : byUser.retryAfterSeconds,
        );
        throw new DomainError('rate_limited', `too many sign-in attempts; try again in ${wait} s`);
      }
      const user = username ? await repo.findUserByUsername(username) : null;
      let ok: boolean;
      if (user) ok = await verifyPassword(user.passwordHash, String(password ?? ''));
      else {
        // Same work as a real check, so response times do not tell which usernames exist.
        dummyHash ??= hashPassword('certops-timing-equaliser');
        await verifyPassword(await dummyHash, String(password ?? ''));
        ok = false;
      }
      const at = now();
      if (!ok || !user || user.disabled) {
        await audit.record({
          at,
          actorId: user?.id ?? null,
          actor: username || '(empty)',
          entity: 'user',
          entityId: user ? String(user.id) : username,
          action: 'login_failed',
          incidentId: null,
          before: null,
          after: { reason: !user ? 'unknown_user' : user.disabled ? 'disabled' : 'wrong_password' },
          ip,
        });
        throw new DomainError('unauthorized', 'wrong username or password');
      }
      const cookieValue = newSecret();
      const csrfToken = newSecret();
      const expiresAt = new Date(clock.now().getTime() + options.sessionTtlHours * 3_600_000).toISOString();
      await repo.createSession(
        { id: sha256Hex(cookieValue), userId: user.id, csrfToken, createdAt: at, expiresAt },
        {
          at,
          actorId: user.id,
          actor: user.username,
          entity: 'user',
          entityId: String(user.id),
          action: 'login',
          incidentId: null,
          before: null,
          after: { expiresAt },
          ip,
        },
      );
      const { passwordHash: _omit, ...record } = user;
      return { cookieValue, csrfToken, expiresAt, user: { ...record, lastLoginAt: at } };
    },

    async resolveSession(cookieValue, ip) {
      if (!SECRET_PATTERN.test(cookieValue)) return null;
      const session = await repo.findSession(sha256Hex(cookieValue));
      if (!session) return null;
      if (session.expiresAt <= now()) {
        await repo.deleteSession(session.id, null);
        return null;
      }
      const u = await repo.findUserById(session.userId);
      if (!u || u.disabled) return null;
      const { passwordHash: _omit, ...user } = u;
      return {
        actor: {
          kind: 'user',
          userId: user.id,
          label: user.username,
          role: user.role,
          branchCode: user.branchCode,
          ip,
        },
        csrfToken: session.csrfToken,
        expiresAt: session.expiresAt,
        user,
      };
    },

    async logout(cookieValue, ip) {
      if (!SECRET_PATTERN.test(cookieValue)) return;
      const id = sha256Hex(cookieValue);
      const session = await repo.findSession(id);
      if (!session) return;
      const user = await repo.findUserById(session.userId);
      await repo.deleteSession(id, {
        at: now(),
        actorId: session.userId,
        actor: user?.username ?? String(session.userId),
        entity: 'user',
        entityId: String(session.userId),
        action: 'logout',
        incidentId: null,
        before: null,
        after: null,
        ip,
      });
    },

    purgeExpiredSessions: () => repo.deleteExpiredSessions(now()),

    async createToken(actor, input) {
      if (actor.kind === 'token')
        throw new DomainError('forbidden', 'an API token cannot create tokens; sign in to create one');
      const ownerId = input.userId ?? actor.userId;
      if (ownerId === null || ownerId === undefined)
        fail([{ field: 'userId', message: 'required: the user the token acts for' }], 'invalid token');
      if (ownerId !== actor.userId) requirePermission(actor, 'token.manage');
      const owner = await repo.findUserById(ownerId);
      if (!owner) throw notFound('user');
      const issues: FieldIssue[] = [];
      if (owner.disabled) issues.push({ field: 'userId', message: `user "${owner.username}" is disabled` });
      const name = String(input.name ?? '').trim();
      if (name.length < 1 || [...name].length > 100)
        issues.push({ field: 'name', message: 'must be 1-100 characters' });
      if (input.role !== undefined && !isRole(input.role))
        issues.push({ field: 'role', message: `must be one of ${ROLES.join(', ')}` });
      const role = input.role ?? owner.role;
      const branchCode =
        input.branchCode !== undefined
          ? input.branchCode
            ? input.branchCode.trim()
            : null
          : role === 'branch_handler' && (owner.role === 'branch_handler' || input.role === undefined)
            ? owner.branchCode
            : null;
      if (isRole(role)) await checkRoleBranch(role, branchCode, issues);
      let expiresAt: string | null = null;
      if (input.expiresInDays !== undefined) {
        if (!Number.isInteger(input.expiresInDays) || input.expiresInDays < 1 || input.expiresInDays > 3650)
          issues.push({ field: 'expiresInDays', message: 'must be a whole number of days, 1-3650' });
        else expiresAt = new Date(clock.now().getTime() + input.expiresInDays * 86_400_000).toISOString();
      } else if (input.expiresAt) {
        const t = Date.parse(input.expiresAt);
        if (Number.isNaN(t)) issues.push({ field: 'expiresAt', message: 'not a date-time' });
        else if (t <= clock.now().getTime())
          issues.push({ field: 'expiresAt', message: 'must be in the future' });
        else expiresAt = new Date(t).toISOString();
      }
      if (issues.length) fail(issues, 'invalid token');
      const requested = { role, branchCode };
      const ownerGrant = { role: owner.role, branchCode: owner.branchCode };
      if (!mayGrant(ownerGrant, requested))
        throw new DomainError(
          'forbidden',
          `a ${owner.role}${owner.branchCode ? ` of ${owner.branchCode}` : ''} may not hold a ${role}${branchCode ? ` token of ${branchCode}` : ' token'}`,
          [{ field: 'role', message: 'wider than the owner may hold' }],
        );
      if (actor.kind === 'user' && ownerId !== actor.userId && !mayGrant(actor, requested))
        throw new DomainError('forbidden', `a ${actor.role} may not mint a ${role} token`);
      const token = formatToken(randomBytes(32));
      const prefix = displayPrefixOf(token);
      const at = now();
      const record = await repo.createToken(
        {
          name,
          tokenHash: sha256Hex(token),
          prefix,
          userId: owner.id,
          role,
          branchCode,
          createdAt: at,
          expiresAt,
        },
        {
          at,
          actorId: actor.userId,
          actor: actor.label,
          ip: actor.ip,
          incidentId: null,
          entity: 'token',
          action: 'create',
          before: null,
          after: { name, prefix, userId: owner.id, role, branchCode, expiresAt },
        },
      );
      return { token, record };
    },

    async listTokens(actor, filter = {}) {
      const own = actor.userId;
      if (filter.all || (filter.userId !== undefined && filter.userId !== own) || own === null) {
        requirePermission(actor, 'token.manage');
        return repo.listTokens({
          ...(filter.all || filter.userId === undefined ? {} : { userId: filter.userId }),
          includeRevoked: filter.includeRevoked ?? false,
        });
      }
      return repo.listTokens({ userId: own, includeRevoked: filter.includeRevoked ?? false });
    },

    async revokeToken(actor, id) {
      const token = await repo.findTokenById(id);
      if (!token) throw notFound('token');
      const mayManage = actor.kind === 'system' || can(actor.role, 'token.manage');
      if (token.userId !== actor.userId && !mayManage) await deny(actor, 'token', String(id), 'token');
      if (token.revokedAt === null) {
        const at = now();
        await repo.revokeToken(
          id,
          at,
          entry(actor, {
            entity: 'token',
            entityId: String(id),
            action: 'revoke',
            before: { name: token.name, prefix: token.prefix },
            after: { revokedAt: at },
          }),
        );
        return { ...token, revokedAt: at };
      }
      return token;
    },

    async resolveToken(token, ip) {
      if (!isTokenFormat(token)) return null;
      const record = await repo.findTokenByHash(sha256Hex(token));
      if (!record || record.revokedAt !== null) return null;
      const nowDate = clock.now();
      if (record.expiresAt !== null && Date.parse(record.expiresAt) <= nowDate.getTime()) return null;
      const owner = await repo.findUserById(record.userId);
      if (!owner || owner.disabled) return null;
      // The owner's rights may have shrunk since: a token never outlives them.
      if (!mayGrant(owner, record)) return null;
      if (
        record.lastUsedAt === null ||
        nowDate.getTime() - Date.parse(record.lastUsedAt) >= TOUCH_INTERVAL_MS
      )
        await repo.touchToken(record.id, nowDate.toISOString());
      return {
        kind: 'token',
        userId: owner.id,
        label: `token:${record.name}`,
        role: record.role,
        branchCode: record.branchCode,
        ip,
      };
    },

    async ensureAdmin(password) {
      const admins = await repo.listUsers({ role: 'admin', includeDisabled: true });
      if (admins.length > 0) return { created: false, username: admins[0]!.username, oneTimePassword: null };
      const existing = await repo.findUserByUsername('admin');
      if (existing)
        throw new DomainError(
          'conflict',
          'no admin user exists but the username "admin" is taken: create one with `certops user add NAME --role admin`',
        );
      const { user, oneTimePassword } = await service.createUser(systemActor('bootstrap'), {
        username: 'admin',
        displayName: 'Administrator',
        role: 'admin',
        ...(password !== undefined ? { password } : {}),
      });
      return { created: true, username: user.username, oneTimePassword };
    },
  };
  return service;
}

function changesView(c: UserChanges): Partial<UserRecord> {
  const out: Partial<UserRecord> = {};
  if (c.displayName !== undefined) out.displayName = c.displayName;
  if (c.email !== undefined) out.email = c.email;
  if (c.role !== undefined) out.role = c.role;
  if (c.branchCode !== undefined) out.branchCode = c.branchCode;
  if (c.language !== undefined) out.language = c.language;
  if (c.disabled !== undefined) out.disabled = c.disabled;
  return out;
}
