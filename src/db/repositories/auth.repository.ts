import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Role } from '../../core/auth/roles.ts';
import type {
  AuditEntry,
  AuthRepository,
  NewTokenRow,
  NewUserRow,
  PendingAudit,
  SessionRow,
  TokenRecord,
  UserChanges,
  UserCredentials,
  UserRecord,
} from '../../services/ports.ts';
import type { DB, UsersTable } from '../schema.ts';
import { insertAudit } from './audit.repository.ts';

function toUser(r: Selectable<UsersTable>): UserCredentials {
  return {
    id: Number(r.id),
    username: r.username,
    displayName: r.display_name,
    email: r.email,
    role: r.role as Role,
    branchCode: r.branch_code,
    language: r.language === 'en' ? 'en' : 'zh-CN',
    disabled: Number(r.disabled) === 1,
    mustChangePassword: Number(r.must_change_password) === 1,
    createdAt: r.created_at,
    lastLoginAt: r.last_login_at,
    passwordHash: r.password_hash,
  };
}

function withoutHash(u: UserCredentials): UserRecord {
  const { passwordHash: _omit, ...rest } = u;
  return rest;
}

const TOKEN_COLUMNS = [
  'api_tokens.id',
  'api_tokens.name',
  'api_tokens.prefix',
  'api_tokens.user_id',
  'users.username',
  'api_tokens.role',
  'api_tokens.branch_code',
  'api_tokens.created_at',
  'api_tokens.expires_at',
  'api_tokens.revoked_at',
  'api_tokens.last_used_at',
] as const;

function toToken(r: {
  id: number;
  name: string;
  prefix: string;
  user_id: number;
  username: string;
  role: string;
  branch_code: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}): TokenRecord {
  return {
    id: Number(r.id),
    name: r.name,
    prefix: r.prefix,
    userId: Number(r.user_id),
    username: r.username,
    role: r.role as Role,
    branchCode: r.branch_code,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    lastUsedAt: r.last_used_at,
  };
}

export function createAuthRepository(db: Kysely<DB>): AuthRepository {
  const tokenQuery = () =>
    db.selectFrom('api_tokens').innerJoin('users', 'users.id', 'api_tokens.user_id').select(TOKEN_COLUMNS);

  return {
    async branchExists(code) {
      const row = await db.selectFrom('branches').select('code').where('code', '=', code).executeTakeFirst();
      return row !== undefined;
    },

    async listBranches() {
      const rows = await db
        .selectFrom('branches')
        .select(['code', 'name_zh', 'name_en'])
        .orderBy('sort_order')
        .orderBy('code')
        .execute();
      return rows.map((r) => ({ code: r.code, nameZh: r.name_zh, nameEn: r.name_en }));
    },

    async createUser(row: NewUserRow, audit: PendingAudit) {
      return db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto('users')
          .values({
            username: row.username,
            display_name: row.displayName,
            email: row.email,
            password_hash: row.passwordHash,
            role: row.role,
            branch_code: row.branchCode,
            language: row.language,
            disabled: 0,
            must_change_password: row.mustChangePassword ? 1 : 0,
            created_at: row.createdAt,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const user = withoutHash(toUser(inserted));
        await insertAudit(trx, { ...audit, entityId: String(user.id) });
        return user;
      });
    },

    async findUserById(id) {
      const r = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toUser(r) : null;
    },

    async findUserByUsername(username) {
      const r = await db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
      return r ? toUser(r) : null;
    },

    async listUsers(filter) {
      let q = db.selectFrom('users').selectAll();
      if (filter.role !== undefined) q = q.where('role', '=', filter.role);
      if (filter.branchCode !== undefined) q = q.where('branch_code', '=', filter.branchCode);
      if (!filter.includeDisabled) q = q.where('disabled', '=', 0);
      const rows = await q.orderBy('username').execute();
      return rows.map((r) => withoutHash(toUser(r)));
    },

    async countActiveAdmins() {
      const r = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('role', '=', 'admin')
        .where('disabled', '=', 0)
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },

    async updateUser(id, changes: UserChanges, audit: AuditEntry, options = {}) {
      return db.transaction().execute(async (trx) => {
        const values: Updateable<UsersTable> = {};
        if (changes.displayName !== undefined) values.display_name = changes.displayName;
        if (changes.email !== undefined) values.email = changes.email;
        if (changes.role !== undefined) values.role = changes.role;
        if (changes.branchCode !== undefined) values.branch_code = changes.branchCode;
        if (changes.language !== undefined) values.language = changes.language;
        if (changes.disabled !== undefined) values.disabled = changes.disabled ? 1 : 0;
        if (changes.passwordHash !== undefined) values.password_hash = changes.passwordHash;
        if (changes.mustChangePassword !== undefined)
          values.must_change_password = changes.mustChangePassword ? 1 : 0;
        if (Object.keys(values).length > 0) {
          const r = await trx.updateTable('users').set(values).where('id', '=', id).executeTakeFirst();
          if (Number(r.numUpdatedRows) === 0) return null;
        }
        const row = await trx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
        if (!row) return null;
        if (options.dropSessions) {
          let del = trx.deleteFrom('sessions').where('user_id', '=', id);
          if (options.keepSessionId !== undefined) del = del.where('id', '!=', options.keepSessionId);
          await del.execute();
        }
        await insertAudit(trx, audit);
        return withoutHash(toUser(row));
      });
    },

    async createSession(row: SessionRow, audit: AuditEntry) {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('sessions')
          .values({
            id: row.id,
            user_id: row.userId,
            csrf_token: row.csrfToken,
            created_at: row.createdAt,
            expires_at: row.expiresAt,
          })
          .execute();
        await trx
          .updateTable('users')
          .set({ last_login_at: row.createdAt })
          .where('id', '=', row.userId)
          .execute();
        await insertAudit(trx, audit);
      });
    },

    async findSession(id) {
      const r = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
      return r
        ? {
            id: r.id,
            userId: Number(r.user_id),
            csrfToken: r.csrf_token,
            createdAt: r.created_at,
            expiresAt: r.expires_at,
          }
        : null;
    },

    async deleteSession(id, audit) {
      return db.transaction().execute(async (trx) => {
        const r = await trx.deleteFrom('sessions').where('id', '=', id).executeTakeFirst();
        const deleted = Number(r.numDeletedRows) > 0;
        if (deleted && audit) await insertAudit(trx, audit);
        return deleted;
      });
    },

    async deleteExpiredSessions(now) {
      const r = await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
      return Number(r.numDeletedRows);
    },

    async createToken(row: NewTokenRow, audit: PendingAudit) {
      return db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto('api_tokens')
          .values({
            name: row.name,
            token_hash: row.tokenHash,
            prefix: row.prefix,
            user_id: row.userId,
            role: row.role,
            branch_code: row.branchCode,
            created_at: row.createdAt,
            expires_at: row.expiresAt,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const id = Number(inserted.id);
        await insertAudit(trx, { ...audit, entityId: String(id) });
        const r = await trx
          .selectFrom('api_tokens')
          .innerJoin('users', 'users.id', 'api_tokens.user_id')
          .select(TOKEN_COLUMNS)
          .where('api_tokens.id', '=', id)
          .executeTakeFirstOrThrow();
        return toToken(r);
      });
    },

    async findTokenByHash(tokenHash) {
      const r = await tokenQuery().where('api_tokens.token_hash', '=', tokenHash).executeTakeFirst();
      return r ? toToken(r) : null;
    },

    async findTokenById(id) {
      const r = await tokenQuery().where('api_tokens.id', '=', id).executeTakeFirst();
      return r ? toToken(r) : null;
    },

    async listTokens(filter) {
      let q = tokenQuery();
      if (filter.userId !== undefined) q = q.where('api_tokens.user_id', '=', filter.userId);
      if (!filter.includeRevoked) q = q.where('api_tokens.revoked_at', 'is', null);
      const rows = await q.orderBy('api_tokens.id').execute();
      return rows.map(toToken);
    },

    async revokeToken(id, at, audit) {
      return db.transaction().execute(async (trx) => {
        const r = await trx
          .updateTable('api_tokens')
          .set({ revoked_at: at })
          .where('id', '=', id)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        const revoked = Number(r.numUpdatedRows) > 0;
        if (revoked) await insertAudit(trx, audit);
        return revoked;
      });
    },

    async touchToken(id, at) {
      await db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
    },
  };
}
