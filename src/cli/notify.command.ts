import { t } from '../i18n/index.ts';
import { wholeNumber } from './options.ts';
import type { Command } from 'commander';
import { systemActor, type Actor } from '../core/auth/actor.ts';
import { BULK_INTERVALS } from '../core/notify/intervals.ts';
import { DomainError } from '../core/shared/errors.ts';
import type { OutboundState } from '../services/ports.ts';
import type { AppServices } from '../services/index.ts';
import type { CliContext } from './context.ts';

/*
 * `certops notify run [--dry-run]`, `certops notify settings ORG [...]`, `certops mail flush`,
 * `certops mail send-test ADDRESS` and `certops mail outbox [--state S]` (docs/notifications.md).
 */

const OUTBOX_STATES: readonly OutboundState[] = ['queued', 'sending', 'sent', 'failed'];

/** The `mail` command group, shared with the inbound commands (whoever registers first creates it). */
export function mailCommandGroup(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'mail') ??
    program.command('mail').description('e-mail: intake over SMTP, the outbox and outgoing mail')
  );
}

/** An organisation by id, or by its exact abbreviation, Chinese or English name. */
async function resolveOrganisation(services: AppServices, actor: Actor, ref: string): Promise<number> {
  const v = ref.trim();
  if (/^[1-9]\d{0,14}$/.test(v)) return Number(v);
  const page = await services.directory.searchOrganisations(actor, { q: v, pageSize: 50 });
  const exact = page.items.filter((o) =>
    [o.abbreviation, o.nameZh, o.nameEn].some((n) => n !== '' && n.toLowerCase() === v.toLowerCase()),
  );
  if (exact.length === 1) return exact[0]!.id;
  if (exact.length > 1)
    throw new DomainError(
      'invalid_input',
      `organisation "${v}" is ambiguous (ids ${exact.map((o) => o.id).join(', ')}); give the id`,
    );
  throw new DomainError('not_found', `organisation "${v}" not found (give its id or exact name)`);
}

export function registerNotifyCommands(program: Command, ctx: CliContext): void {
  const notify = program.command('notify').description('bulk notifications to abuse contacts');

  notify
    .command('run')
    .description('group queued notifications per contact and interval and send them (CSV attached)')
    .option('--dry-run', 'show what would be sent; change nothing')
    .action(async (opts: { dryRun?: boolean }) => {
      await ctx.withServices(async (services) => {
        const r = await services.notifications.run({ dryRun: opts.dryRun === true });
        const lang = ctx.language();
        const rows = (n: number) => t(lang, 'cli.notify.rows', { n });
        for (const m of r.mails)
          ctx.out(
            `${t(lang, r.dryRun ? 'cli.notify.wouldSend' : 'cli.notify.queued')}\t${m.recipient}\t${rows(m.rows)}\t${m.language}${m.outboxId !== null ? `\toutbox #${m.outboxId}` : ''}`,
          );
        for (const s of r.suppressed)
          ctx.out(
            `${t(lang, r.dryRun ? 'cli.notify.wouldSuppress' : 'cli.notify.suppressed')}\t${s.recipient}\t${rows(s.items)}`,
          );
        for (const w of r.waiting)
          ctx.out(
            `${t(lang, 'cli.notify.waiting')}\t${w.recipient}\t${rows(w.items)}\t${t(lang, 'cli.notify.due', { at: w.dueAt ?? '-' })}`,
          );
        ctx.out(
          t(lang, 'cli.notify.summary', {
            mails: r.mails.length,
            suppressed: r.suppressed.length,
            waiting: r.waiting.length,
          }) + (r.dryRun ? t(lang, 'cli.notify.dryRun') : ''),
        );
        if (!r.dryRun && r.mails.length && services.mailOutbound.relayConfigured) {
          const f = await services.mailOutbound.flush();
          ctx.out(t(lang, 'cli.mail.outbox', { sent: f.sent, retried: f.retried, failed: f.failed }));
        }
      });
    });

  notify
    .command('settings')
    .description("show or change an organisation's notification interval, language and suppression")
    .argument('<org>', 'organisation id, or its exact abbreviation or name')
    .option('--interval <interval>', `one of ${BULK_INTERVALS.join(', ')}`)
    .option('--language <lang>', 'zh-CN or en')
    .option('--suppress', 'send this organisation nothing (its items are marked suppressed)')
    .option('--no-suppress', 'notify this organisation again')
    .action(async (org: string, opts: { interval?: string; language?: string; suppress?: boolean }) => {
      await ctx.withServices(async (services) => {
        const actor = systemActor('cli');
        const id = await resolveOrganisation(services, actor, org);
        const patch = {
          ...(opts.interval !== undefined ? { interval: opts.interval } : {}),
          ...(opts.language !== undefined ? { language: opts.language } : {}),
          ...(opts.suppress !== undefined ? { suppress: opts.suppress } : {}),
        };
        const s = Object.keys(patch).length
          ? await services.notifications.updateSettings(actor, id, patch)
          : await services.notifications.getSettings(actor, id);
        ctx.out(
          `organisation ${s.organisationId}: interval ${s.interval}, language ${s.language}, ${s.suppress ? 'suppressed' : 'not suppressed'}`,
        );
      });
    });

  const mail = mailCommandGroup(program);

  mail
    .command('flush')
    .description('send every outgoing mail that is due now (retries included)')
    .action(async () => {
      await ctx.withServices(async (services) => {
        if (!services.mailOutbound.relayConfigured)
          throw new DomainError('invalid_input', 'no SMTP relay configured (mail.relay.host)');
        const f = await services.mailOutbound.flush({ limit: 100_000 });
        ctx.out(
          t(ctx.language(), 'cli.mail.flushed', { sent: f.sent, retried: f.retried, failed: f.failed }),
        );
      });
    });

  mail
    .command('send-test')
    .description('send a test message through the configured relay')
    .argument('<address>', 'recipient')
    .action(async (address: string) => {
      await ctx.withServices(async (services, config) => {
        if (!services.mailOutbound.relayConfigured)
          throw new DomainError('invalid_input', 'no SMTP relay configured (mail.relay.host)');
        const r = await services.mailOutbound.sendNow({
          kind: 'test',
          to: address,
          subject: `certops test message / certops 测试邮件`,
          text: `This is a test message from certops (${config.site.shortName}).\n这是一封来自 certops 的测试邮件。\n`,
          headers: { 'Auto-Submitted': 'auto-generated' },
        });
        ctx.out(`Message-ID ${r.mail.messageId}`);
        if (!r.delivered)
          throw new DomainError(
            'conflict',
            `not delivered (${r.error}); queued for retry as outbox #${r.mail.id}`,
          );
        ctx.out(t(ctx.language(), 'cli.mail.sent', { response: r.mail.response ?? '' }));
      });
    });

  mail
    .command('outbox')
    .description('list outgoing mail, newest first')
    .option('--state <state>', OUTBOX_STATES.join(' | '))
    .option('--limit <n>', 'at most N rows (1-500)', '50')
    .action(async (opts: { state?: string; limit: string }) => {
      if (opts.state !== undefined && !(OUTBOX_STATES as readonly string[]).includes(opts.state))
        throw new DomainError('invalid_input', `--state: expected one of ${OUTBOX_STATES.join(', ')}`);
      const limit = wholeNumber('--limit', opts.limit, 1, 500);
      await ctx.withServices(async (services) => {
        const rows = await services.mailOutbound.listOutbox(systemActor('cli'), {
          limit,
          ...(opts.state ? { state: opts.state as OutboundState } : {}),
        });
        for (const m of rows)
          ctx.out(
            [
              `#${m.id}`,
              m.state,
              `attempts ${m.attempts}`,
              m.kind,
              m.incidentId !== null ? `incident #${m.incidentId}` : '-',
              m.to,
              m.subject,
              m.lastError || m.response,
            ].join('\t'),
          );
        ctx.out(t(ctx.language(), 'cli.mail.count', { n: rows.length }));
      });
    });
}
