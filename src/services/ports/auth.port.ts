import type { Role } from '../../core/auth/roles.ts';
import type { AuditEntry } from './audit.port.ts';

/** A user as services see it (never the password hash). */
export interface UserRecord {
  id: number;
  username: string;
  displayName: string;
  email: string;
  role: Role;
  branchCode: string | null;
  language: 'zh-CN' | 'en';
  disabled: boolean;
  mustChangePassword: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}

export interface UserCredentials extends UserRecord {
  passwordHash: string;
}

export interface NewUserRow {
  username: string;
  displayName: string;
  email: string;
  passwordHash: string;
  role: Role;
  branchCode: string | null;
  language: 'zh-CN' | 'en';
  mustChangePassword: boolean;
  createdAt: string;
}

export interface UserChanges {
  displayName?: string;
  email?: string;
  role?: Role;
  branchCode?: string | null;
  language?: 'zh-CN' | 'en';
  disabled?: boolean;
  passwordHash?: string;
  mustChangePassword?: boolean;
}

export interface SessionRow {
  /** sha256 (hex) of the cookie value. */
  id: string;
  userId: number;
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
}

/** A token as lists show it: never the hash. */
export interface TokenRecord {
  id: number;
  name: string;
  /** First 8 characters of the token, e.g. `cto_AbCd`. */
  prefix: string;
  userId: number;
  username: string;
  role: Role;
  branchCode: string | null;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface NewTokenRow {
  name: string;
  tokenHash: string;
  prefix: string;
  userId: number;
  role: Role;
  branchCode: string | null;
  createdAt: string;
  expiresAt: string | null;
}

export interface BranchOption {
  code: string;
  nameZh: string;
  nameEn: string;
}

/** An audit entry whose entity id the repository fills in (the new row's id). */
export type PendingAudit = Omit<AuditEntry, 'entityId'>;

/**
 * Storage of users, sessions and API tokens. Every write that changes who may do what takes
 * the audit entry and writes it in the same transaction.
 */
export interface AuthRepository {
  branchExists(code: string): Promise<boolean>;
  /** Branch codes and names, in their sort order (for choosing a user's branch). */
  listBranches(): Promise<BranchOption[]>;

  createUser(row: NewUserRow, audit: PendingAudit): Promise<UserRecord>;
  findUserById(id: number): Promise<UserCredentials | null>;
  findUserByUsername(username: string): Promise<UserCredentials | null>;
  listUsers(filter: { role?: Role; branchCode?: string; includeDisabled?: boolean }): Promise<UserRecord[]>;
  /** Enabled users with the admin role. */
  countActiveAdmins(): Promise<number>;
  /**
   * Applies the changes and writes the audit entry; `dropSessions` signs the user out everywhere
   * (but for the session `keepSessionId`, when given).
   */
  updateUser(
    id: number,
    changes: UserChanges,
    audit: AuditEntry,
    options?: { dropSessions?: boolean; keepSessionId?: string },
  ): Promise<UserRecord | null>;

  /** Stores the session, stamps last_login_at and writes the audit entry, in one transaction. */
  createSession(row: SessionRow, audit: AuditEntry): Promise<void>;
  findSession(id: string): Promise<SessionRow | null>;
  deleteSession(id: string, audit: AuditEntry | null): Promise<boolean>;
  deleteExpiredSessions(now: string): Promise<number>;

  createToken(row: NewTokenRow, audit: PendingAudit): Promise<TokenRecord>;
  findTokenByHash(tokenHash: string): Promise<TokenRecord | null>;
  findTokenById(id: number): Promise<TokenRecord | null>;
  listTokens(filter: { userId?: number; includeRevoked?: boolean }): Promise<TokenRecord[]>;
  revokeToken(id: number, at: string, audit: AuditEntry): Promise<boolean>;
  touchToken(id: number, at: string): Promise<void>;
}
