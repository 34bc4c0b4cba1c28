import { describe, expect, it } from 'vitest';
import { requirePermission, scopeOf, systemActor, type Actor } from './actor.ts';
import { can, ROLES } from './roles.ts';

const user = (role: Actor['role'], branchCode: string | null = null): Actor => ({
  kind: 'user',
  userId: 7,
  label: 'u',
  role,
  branchCode,
  ip: '127.0.0.1',
});

describe('roles and scope', () => {
  it('gives every role a defined permission set', () => {
    for (const r of ROLES) expect(typeof can(r, 'incident.read')).toBe('boolean');
    expect(can('analyst', 'incident.write')).toBe(false);
    expect(can('branch_handler', 'incident.merge')).toBe(false);
    expect(can('reporter', 'incident.read')).toBe(false);
    expect(can('admin', 'user.manage')).toBe(true);
  });

  it('narrows a branch handler to their branch and never widens a handler without one', () => {
    expect(scopeOf(user('branch_handler', 'CN-XJ'))).toEqual({
      branchCode: 'CN-XJ',
      userId: 7,
      unrestricted: false,
    });
    expect(scopeOf(user('branch_handler', null)).branchCode).toBe('__none__');
    expect(scopeOf(user('national_handler')).branchCode).toBeNull();
    expect(scopeOf(user('publisher')).branchCode).toBe('__none__');
    expect(scopeOf(systemActor('import')).unrestricted).toBe(true);
  });

  it('refuses a permission the role lacks', () => {
    expect(() => requirePermission(user('analyst'), 'incident.write')).toThrow(
      /analyst may not incident.write/,
    );
    expect(() => requirePermission(user('national_handler'), 'incident.merge')).not.toThrow();
  });
});
