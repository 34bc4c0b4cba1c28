import { z } from 'zod';

export const ROLES = [
  'admin',
  'national_handler',
  'branch_handler',
  'analyst',
  'publisher',
  'reporter',
] as const;
export type Role = (typeof ROLES)[number];
export const roleSchema = z.enum(ROLES);

/** What a role may do. Reads are further narrowed by Scope (branch, TLP:RED) in the queries. */
export type Permission =
  | 'incident.read'
  | 'incident.write'
  | 'incident.merge'
  | 'report.create'
  | 'directory.read'
  | 'directory.write'
  | 'user.manage'
  | 'token.manage'
  | 'audit.read'
  | 'stats.read'
  | 'advisory.publish';

const MATRIX: Record<Role, readonly Permission[]> = {
  admin: [
    'incident.read',
    'incident.write',
    'incident.merge',
    'report.create',
    'directory.read',
    'directory.write',
    'user.manage',
    'token.manage',
    'audit.read',
    'stats.read',
    'advisory.publish',
  ],
  national_handler: [
    'incident.read',
    'incident.write',
    'incident.merge',
    'report.create',
    'directory.read',
    'directory.write',
    'audit.read',
    'stats.read',
  ],
  branch_handler: [
    'incident.read',
    'incident.write',
    'report.create',
    'directory.read',
    'audit.read',
    'stats.read',
  ],
  analyst: ['incident.read', 'directory.read', 'audit.read', 'stats.read'],
  publisher: ['directory.read', 'stats.read', 'advisory.publish'],
  reporter: ['report.create'],
};

export function can(role: Role, permission: Permission): boolean {
  return MATRIX[role].includes(permission);
}

/** Roles whose reads cover every branch. */
export function seesAllBranches(role: Role): boolean {
  return role === 'admin' || role === 'national_handler' || role === 'analyst';
}
