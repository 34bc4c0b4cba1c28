import { systemActor, type Actor } from '../../src/core/auth/actor.ts';
import type { Role } from '../../src/core/auth/roles.ts';
import type { AppServices } from '../../src/services/index.ts';
import type { UserRecord } from '../../src/services/ports.ts';

/** The password every factory-made user gets (meets the policy). */
export const TEST_PASSWORD = 'correct horse battery staple';

/** The branch a branch_handler gets when a test names none. */
export const DEFAULT_TEST_BRANCH = 'CN-BJ';

let counter = 0;

/** A unique username per call (`branch_handler-3`), so tests can make several of one role. */
export function nextUsername(role: Role | string): string {
  counter += 1;
  return `${role.replace(/_/g, '-')}-${counter}`;
}

/** Creates a user of the role (branch_handler: of `branchCode`, default CN-BJ) with TEST_PASSWORD. */
export async function createTestUser(
  services: AppServices,
  role: Role,
  options: {
    branchCode?: string | null;
    username?: string;
    password?: string;
    language?: 'zh-CN' | 'en';
  } = {},
): Promise<UserRecord> {
  const branchCode = role === 'branch_handler' ? (options.branchCode ?? DEFAULT_TEST_BRANCH) : null;
  const { user } = await services.auth.createUser(systemActor('test'), {
    username: options.username ?? nextUsername(role),
    role,
    branchCode,
    password: options.password ?? TEST_PASSWORD,
    ...(options.language ? { language: options.language } : {}),
  });
  return user;
}

/** The Actor a signed-in user would be (for calling services directly in tests). */
export function actorOf(user: UserRecord, ip = '127.0.0.1'): Actor {
  return {
    kind: 'user',
    userId: user.id,
    label: user.username,
    role: user.role,
    branchCode: user.branchCode,
    ip,
  };
}
