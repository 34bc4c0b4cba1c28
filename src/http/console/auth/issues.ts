import type { Context } from 'hono';
import type { FieldIssue } from '../../../core/shared/errors.ts';
import type { AppEnv } from '../../context.ts';
import { t } from '../layout.tsx';

/** Service messages (English, stable) → catalogue keys, so console forms show them in the request's language. */
const ISSUE_KEYS: [RegExp, string][] = [
  [/^must be at least \d+ characters$/, 'auth.issue.password_short'],
  [/^must be at most \d+ characters$/, 'auth.issue.password_long'],
  [/^must not be the username$/, 'auth.issue.password_username'],
  [/^must be 2-64 characters/, 'auth.issue.username_format'],
  [/^already taken$/, 'auth.issue.username_taken'],
  [/^required for role branch_handler$/, 'auth.issue.branch_required'],
  [/^unknown branch/, 'auth.issue.branch_unknown'],
  [/^only a branch_handler has a branch/, 'auth.issue.branch_not_allowed'],
  [/^not an e-mail address$/, 'auth.issue.email'],
  [/^must be 1-100 characters$/, 'auth.issue.token_name'],
  [/^must be a whole number of days/, 'auth.issue.expires_days'],
  [/^wider than the owner may hold$/, 'auth.issue.token_role'],
  [/^wrong password$/, 'auth.issue.wrong_password'],
  [/^must differ from the current password$/, 'auth.issue.password_same'],
];

export function translateIssue(c: Context<AppEnv>, issue: FieldIssue): string {
  const labelKey = `auth.field.${issue.field}`;
  const label = t(c, labelKey) === labelKey ? issue.field : t(c, labelKey);
  const hit = ISSUE_KEYS.find(([re]) => re.test(issue.message));
  return `${label}: ${hit ? t(c, hit[1]) : issue.message}`;
}
