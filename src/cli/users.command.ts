import { t } from '../i18n/index.ts';
import { wholeNumber } from './options.ts';
import type { Command } from 'commander';
import { systemActor } from '../core/auth/actor.ts';
import type { Role } from '../core/auth/roles.ts';
import { invalidInput } from '../core/shared/errors.ts';
import type { TokenRecord, UserRecord } from '../services/ports.ts';
import type { CliContext } from './context.ts';

/** Reads a password from standard input (the first line; a trailing newline is not part of it). */
export async function readPasswordFromStdin(stream: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  const line = text.split(/\r?\n/)[0] ?? '';
  if (line === '') throw invalidInput('--password-stdin: no password on standard input');
  return line;
}

const parsePositiveInt = (flag: string, raw: string) => wholeNumber(flag, raw, 1, 999_999_999);

function formatUserRow(u: UserRecord): string {
  return [
    String(u.id).padStart(4),
    u.username.padEnd(20),
    u.role.padEnd(17),
    (u.branchCode ?? '-').padEnd(12),
    u.disabled ? 'disabled' : 'enabled ',
    u.lastLoginAt ?? '-',
  ].join('  ');
}

function formatTokenRow(t: TokenRecord): string {
  return [
    String(t.id).padStart(4),
    `${t.prefix}…`.padEnd(10),
    t.name.padEnd(20),
    t.username.padEnd(16),
    t.role.padEnd(17),
    (t.branchCode ?? '-').padEnd(12),
    t.revokedAt ? `revoked ${t.revokedAt}` : t.expiresAt ? `expires ${t.expiresAt}` : 'no expiry',
  ].join('  ');
}

/** `certops user …` and `certops token …`: accounts and API tokens, acting as the system. */
export function registerUserCommands(program: Command, ctx: CliContext): void {
  const actor = systemActor('cli');

  const user = program.command('user').description('console and API users');

  user
    .command('add')
    .description('create a user; prints a one-time password unless --password-stdin is given')
    .argument('<username>', 'login name: a letter, then letters, digits, ".", "_" or "-"')
    .requiredOption(
      '--role <role>',
      'admin, national_handler, branch_handler, analyst, publisher or reporter',
    )
    .option('--branch <code>', 'branch code (required for branch_handler), e.g. CN-XJ')
    .option('--email <email>', 'e-mail address')
    .option('--name <displayName>', 'display name (default: the username)')
    .option('--language <lang>', 'zh-CN or en')
    .option('--password-stdin', 'read the password from standard input instead of generating one')
    .action(
      async (
        username: string,
        opts: {
          role: string;
          branch?: string;
          email?: string;
          name?: string;
          language?: string;
          passwordStdin?: boolean;
        },
      ) => {
        if (opts.language !== undefined && opts.language !== 'zh-CN' && opts.language !== 'en')
          throw invalidInput(`--language: expected zh-CN or en, got "${opts.language}"`);
        const password = opts.passwordStdin ? await readPasswordFromStdin() : undefined;
        await ctx.withServices(async (services) => {
          const { user: created, oneTimePassword } = await services.auth.createUser(actor, {
            username,
            role: opts.role as Role,
            branchCode: opts.branch ?? null,
            ...(opts.email !== undefined ? { email: opts.email } : {}),
            ...(opts.name !== undefined ? { displayName: opts.name } : {}),
            ...(opts.language !== undefined ? { language: opts.language as 'zh-CN' | 'en' } : {}),
            ...(password !== undefined ? { password } : {}),
          });
          ctx.out(
            oneTimePassword
              ? `created user ${created.username} (id ${created.id}, ${created.role}) with one-time password ${oneTimePassword}`
              : `created user ${created.username} (id ${created.id}, ${created.role})`,
          );
        });
      },
    );

  user
    .command('list')
    .description('list users (disabled ones included)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      await ctx.withServices(async (services) => {
        const users = await services.auth.listUsers(actor, { includeDisabled: true });
        if (opts.json) {
          ctx.out(JSON.stringify(users, null, 2));
          return;
        }
        for (const u of users) ctx.out(formatUserRow(u));
      });
    });

  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    user
      .command(name)
      .description(
        disabled ? 'disable a user: signs them out, their tokens stop working' : 'enable a user again',
      )
      .argument('<username>')
      .action(async (username: string) => {
        await ctx.withServices(async (services) => {
          const u = await services.auth.getUserByUsername(actor, username);
          await services.auth.setUserDisabled(actor, u.id, disabled);
          ctx.out(
            t(ctx.language(), disabled ? 'cli.user.disabled' : 'cli.user.enabled', { username: u.username }),
          );
        });
      });
  }

  user
    .command('set-password')
    .description('set a password read from standard input (the user must change it at next sign-in)')
    .argument('<username>')
    .requiredOption('--password-stdin', 'read the password from standard input')
    .action(async (username: string) => {
      const password = await readPasswordFromStdin();
      await ctx.withServices(async (services) => {
        const u = await services.auth.getUserByUsername(actor, username);
        await services.auth.setPassword(actor, u.id, password, { mustChange: true });
        ctx.out(t(ctx.language(), 'cli.user.passwordSet', { username: u.username }));
      });
    });

  const token = program.command('token').description('API tokens (Authorization: Bearer cto_…)');

  token
    .command('create')
    .description('create an API token for a user; prints the token once')
    .requiredOption('--user <username>', 'the user the token acts for')
    .requiredOption('--name <name>', 'what the token is for, e.g. "shadowserver import"')
    .option('--role <role>', "token role (default: the user's role; never wider)")
    .option('--branch <code>', 'branch of a branch_handler token')
    .option('--expires-days <n>', 'expiry in days (default: none)')
    .action(
      async (opts: { user: string; name: string; role?: string; branch?: string; expiresDays?: string }) => {
        const days =
          opts.expiresDays !== undefined ? parsePositiveInt('--expires-days', opts.expiresDays) : undefined;
        await ctx.withServices(async (services) => {
          const owner = await services.auth.getUserByUsername(actor, opts.user);
          const { token: text, record } = await services.auth.createToken(actor, {
            userId: owner.id,
            name: opts.name,
            ...(opts.role !== undefined ? { role: opts.role as Role } : {}),
            ...(opts.branch !== undefined ? { branchCode: opts.branch } : {}),
            ...(days !== undefined ? { expiresInDays: days } : {}),
          });
          ctx.out(text);
          ctx.err(
            `certops: token ${record.id} "${record.name}" for ${record.username} (${record.role}${record.branchCode ? ` ${record.branchCode}` : ''}, ${record.expiresAt ? `expires ${record.expiresAt}` : 'no expiry'}); it is shown only this once`,
          );
        });
      },
    );

  token
    .command('list')
    .description('list API tokens (never the tokens themselves)')
    .option('--user <username>', "only this user's tokens")
    .option('--all', 'include revoked tokens')
    .option('--json', 'machine-readable output')
    .action(async (opts: { user?: string; all?: boolean; json?: boolean }) => {
      await ctx.withServices(async (services) => {
        const owner = opts.user ? await services.auth.getUserByUsername(actor, opts.user) : null;
        const tokens = await services.auth.listTokens(actor, {
          ...(owner ? { userId: owner.id } : { all: true }),
          includeRevoked: opts.all ?? false,
        });
        if (opts.json) {
          ctx.out(JSON.stringify(tokens, null, 2));
          return;
        }
        for (const t of tokens) ctx.out(formatTokenRow(t));
      });
    });

  token
    .command('revoke')
    .description('revoke an API token by id (see `certops token list`)')
    .argument('<id>', 'token id')
    .action(async (raw: string) => {
      const id = parsePositiveInt('id', raw);
      await ctx.withServices(async (services) => {
        const revoked = await services.auth.revokeToken(actor, id);
        ctx.out(
          t(ctx.language(), 'cli.token.revoked', {
            id: revoked.id,
            name: revoked.name,
            username: revoked.username,
          }),
        );
      });
    });
}
