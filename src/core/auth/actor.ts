import { DomainError } from '../shared/errors.ts';
import { can, seesAllBranches, type Permission, type Role } from './roles.ts';

/** Who is acting: a signed-in user, an API token, or the system itself (imports, jobs). */
export interface Actor {
  kind: 'user' | 'token' | 'system';
  userId: number | null;
  /** Shown in the audit log: username, `token:NAME` or `system:JOB`. */
  label: string;
  role: Role;
  /** The branch of a branch_handler; null for roles that see all branches. */
  branchCode: string | null;
  ip: string;
}

/**
 * What an actor may read. Every repository read takes a Scope and applies it in SQL: a
 * branch-scoped actor sees only that branch's rows; TLP:RED rows only for users named on them.
 */
export interface Scope {
  /** null: all branches. */
  branchCode: string | null;
  /** The user for TLP:RED membership; null never sees RED (system sees everything via `all`). */
  userId: number | null;
  /** System jobs and admins: no TLP:RED restriction. */
  unrestricted: boolean;
}

export function scopeOf(actor: Actor): Scope {
  if (actor.kind === 'system') return { branchCode: null, userId: null, unrestricted: true };
  return {
    branchCode: seesAllBranches(actor.role) ? null : (actor.branchCode ?? '__none__'),
    userId: actor.userId,
    unrestricted: false,
  };
}

export function systemActor(job: string): Actor {
  return { kind: 'system', userId: null, label: `system:${job}`, role: 'admin', branchCode: null, ip: '' };
}

/**
 * Throws when the actor lacks a permission. Callers that must hide existence (reads of one
 * resource by id) use not_found instead, per the access rule "every denial is a 404".
 */
export function requirePermission(actor: Actor, permission: Permission): void {
  if (actor.kind === 'system') return;
  if (!can(actor.role, permission))
    throw new DomainError('forbidden', `role ${actor.role} may not ${permission}`);
}
