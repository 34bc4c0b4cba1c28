import { t, type Lang } from '../i18n/index.ts';
import { wholeNumber } from './options.ts';
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { systemActor } from '../core/auth/actor.ts';
import { DEFAULT_BRANCH_CODE } from '../core/incidents/incident.ts';
import { DomainError } from '../core/shared/errors.ts';
import { startMailIntake, type IntakeLogger } from '../mail/intake/mail-intake.runtime.ts';
import { readMbox } from '../mail/intake/mbox.ts';
import type { MailEnvelope } from '../services/ports/mail-intake.port.ts';
import { MAIL_STATES, type MailState } from '../services/ports/mail-intake.port.ts';
import type { ProcessResult } from '../services/mail-intake.service.ts';
import type { CliContext } from './context.ts';

const positiveInt = (name: string, v: string, max = 1_000_000) => wholeNumber(name, v, 1, max);
const portNumber = (v: string) => wholeNumber('--port', v, 0, 65535);

/** JSON lines on stderr, like pino, for the long-running `mail serve`. */
function lineLogger(ctx: CliContext): IntakeLogger {
  const log = (level: string) => (obj: object, msg: string) => {
    const o = { ...obj } as Record<string, unknown>;
    if (o.err instanceof Error) o.err = o.err.message;
    ctx.err(JSON.stringify({ level, time: new Date().toISOString(), msg, ...o }));
  };
  return { info: log('info'), warn: log('warn'), error: log('error') };
}

/** Every file to import: files as given, directories walked (sorted), `.mbox` split. */
function listFiles(inputs: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new DomainError('invalid_input', `${p}: no such file or directory`);
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) if (!name.startsWith('.')) walk(path.join(p, name));
    } else out.push(p);
  };
  for (const i of inputs) walk(i);
  return out;
}

export interface MailImportCounts {
  messages: number;
  reports: number;
  correspondence: number;
  duplicates: number;
  formatErrors: number;
  failed: number;
  tooLarge: number;
  /** Messages routed to the feed pipeline (attachments stored as raw reports). */
  feedMail: number;
}

export function registerMailCommands(program: Command, ctx: CliContext): void {
  // The `mail` group is shared with the outbound commands (src/cli/notify.command.ts): whoever registers first creates it.
  const mail =
    program.commands.find((c) => c.name() === 'mail') ??
    program.command('mail').description('e-mail: intake over SMTP, the outbox and outgoing mail');

  mail
    .command('serve')
    .description('run the SMTP listener and the processor alone (without the web server)')
    .option('-p, --port <n>', 'SMTP port (default: config mail.smtp.port, 2525)', portNumber)
    .option('-H, --host <host>', 'address to listen on (default: config mail.smtp.host, 127.0.0.1)')
    .action(async (opts: { port?: number; host?: string }) => {
      await ctx.withServices(async (services, config) => {
        const effective =
          opts.host !== undefined
            ? { ...config, mail: { ...config.mail, smtp: { ...config.mail.smtp, host: opts.host } } }
            : config;
        const startProcessor = ctx.mailProcessorFactory?.(effective, services);
        const running = await startMailIntake({
          config: effective,
          mailIntake: services.mailIntake,
          logger: lineLogger(ctx),
          ...(startProcessor ? { startProcessor } : {}),
          ...(opts.port !== undefined ? { port: opts.port } : {}),
        });
        ctx.out(
          t(ctx.language(), 'cli.mail.listening', { host: running.smtp.host, port: running.smtp.port }),
        );
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGTERM', stop);
          process.once('SIGINT', stop);
        });
        await running.close();
      });
    });

  mail
    .command('process')
    .description('process stored messages that are waiting (received, or left by a stopped processor)')
    .option('--json', 'print the counts as JSON')
    .action(async (opts: { json?: boolean }) => {
      const results = await ctx.withServices((services) => services.mailIntake.processPending());
      const counts = countResults(results);
      const lang = ctx.language();
      if (opts.json) ctx.out(JSON.stringify(counts));
      else ctx.out(t(lang, 'cli.mail.processed', { ...counts }));
      for (const r of results)
        if (r.state === 'failed') ctx.err(t(lang, 'cli.mail.failed', { id: r.id, error: r.error ?? '' }));
    });

  mail
    .command('list')
    .description('received messages, newest first')
    .option('--state <state>', `only this state (${MAIL_STATES.join(', ')})`)
    .option('--limit <n>', 'at most this many (default 50)', '50')
    .option('--before <id>', 'messages with an id below this (paging)')
    .option('--json', 'JSON lines')
    .action(async (opts: { state?: string; limit: string; before?: string; json?: boolean }) => {
      if (opts.state !== undefined && !(MAIL_STATES as readonly string[]).includes(opts.state)) {
        throw new DomainError(
          'invalid_input',
          `--state: expected one of ${MAIL_STATES.join(', ')}, got "${opts.state}"`,
        );
      }
      const limit = positiveInt('--limit', opts.limit, 500);
      const beforeId =
        opts.before === undefined ? undefined : positiveInt('--before', opts.before, Number.MAX_SAFE_INTEGER);
      const rows = await ctx.withServices((services) =>
        services.mailIntake.list(systemActor('cli'), {
          limit,
          ...(opts.state ? { state: opts.state as MailState } : {}),
          ...(beforeId !== undefined ? { beforeId } : {}),
        }),
      );
      for (const m of rows) {
        if (opts.json) ctx.out(JSON.stringify(m));
        else
          ctx.out(
            [
              m.id,
              m.receivedAt,
              m.state,
              m.outcome || '-',
              m.incidentId === null ? '-' : `#${m.incidentId}`,
              m.fromAddress || m.mailFrom || '<>',
              JSON.stringify(m.subject.slice(0, 80)),
              m.error ? `error: ${m.error.slice(0, 120)}` : '',
            ]
              .join('\t')
              .trimEnd(),
          );
      }
    });

  mail
    .command('show')
    .description('one received message: envelope, state, outcome, and the start of the raw message')
    .argument('<id>', 'message id')
    .option('--raw', 'print the whole raw message instead')
    .action(async (id: string, opts: { raw?: boolean }) => {
      const n = positiveInt('id', id, Number.MAX_SAFE_INTEGER);
      await ctx.withServices(async (services) => {
        if (opts.raw) {
          const raw = await services.mailIntake.getRaw(systemActor('cli'), n);
          process.stdout.write(Buffer.from(raw));
          return;
        }
        const m = await services.mailIntake.get(systemActor('cli'), n);
        const { preview, ...rest } = m;
        for (const [k, v] of Object.entries(rest))
          ctx.out(`${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
        ctx.out('');
        ctx.out(preview);
      });
    });

  mail
    .command('retry')
    .description('process a failed message again (after a fix)')
    .argument('<id>', 'message id')
    .action(async (id: string) => {
      const n = positiveInt('id', id, Number.MAX_SAFE_INTEGER);
      const r = await ctx.withServices((services) => services.mailIntake.retry(systemActor('cli'), n));
      ctx.out(describeResult(ctx.language(), r));
      if (r.state === 'failed')
        throw new DomainError('invalid_input', `message ${r.id} failed again: ${r.error}`);
    });

  // `certops import mail …` joins the import command of src/cli/import.command.ts.
  const imp =
    program.commands.find((c) => c.name() === 'import') ??
    program.command('import').description('load data from files');
  imp
    .command('mail')
    .description(
      'import e-mail files (.eml, .mbox, or directories of them) through the same store-and-process path as SMTP',
    )
    .argument('<paths...>', '.eml or .mbox files, or directories')
    .option('--branch <code>', `branch the new reports go to (default ${DEFAULT_BRANCH_CODE})`)
    .option('--json', 'print the counts as JSON')
    .action(async (paths: string[], opts: { branch?: string; json?: boolean }) => {
      const files = listFiles(paths);
      const counts = await ctx.withServices(async (services, config) => {
        const lang = ctx.language();
        const branchCode = opts.branch ?? DEFAULT_BRANCH_CODE;
        const envelope: MailEnvelope = {
          source: 'file',
          mailFrom: '',
          rcptTo: [],
          branchCode,
          remoteIp: '',
          helo: '',
        };
        const c: MailImportCounts = {
          messages: 0,
          reports: 0,
          correspondence: 0,
          duplicates: 0,
          formatErrors: 0,
          failed: 0,
          tooLarge: 0,
          feedMail: 0,
        };
        const max = config.mail.maxMessageBytes;
        const take = async (raw: Buffer, where: string) => {
          c.messages += 1;
          if (raw.byteLength === 0) {
            c.failed += 1;
            ctx.err(t(lang, 'cli.mail.empty', { where }));
            return;
          }
          const r = await services.mailIntake.ingest(envelope, raw);
          tally(c, r);
          if (r.state === 'failed' || r.state === 'failed_format')
            ctx.err(`${where}: ${t(lang, 'cli.mail.failed', { id: r.id, error: r.error ?? '' })}`);
        };
        for (const file of files) {
          if (/\.mbox$/i.test(file) || isMbox(file)) {
            for await (const m of readMbox(file, max)) {
              if ('tooLarge' in m) {
                c.messages += 1;
                c.tooLarge += 1;
                ctx.err(
                  t(lang, 'cli.mail.tooLarge', { where: `${file}#${m.index + 1}`, size: m.tooLarge, max }),
                );
              } else await take(m.raw, `${file}#${m.index + 1}`);
            }
          } else {
            const size = statSync(file).size;
            if (size > max) {
              c.messages += 1;
              c.tooLarge += 1;
              ctx.err(t(lang, 'cli.mail.tooLarge', { where: file, size, max }));
              continue;
            }
            await take(readFileSync(file), file);
          }
        }
        return c;
      });
      if (opts.json) ctx.out(JSON.stringify(counts));
      else ctx.out(t(ctx.language(), 'cli.mail.imported', { ...counts }));
      if (counts.failed > 0)
        throw new DomainError(
          'invalid_input',
          t(ctx.language(), 'cli.mail.notAll', { failed: counts.failed, messages: counts.messages }),
        );
    });
}

/** An mbox file starts with a `From ` line. */
function isMbox(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(5);
    const n = readSync(fd, head, 0, 5, 0);
    return n === 5 && head.toString('latin1') === 'From ';
  } finally {
    closeSync(fd);
  }
}

function tally(c: MailImportCounts, r: ProcessResult): void {
  if (r.state === 'failed') c.failed += 1;
  else if (r.outcome === 'correspondence') c.correspondence += 1;
  else if (r.outcome === 'duplicate') c.duplicates += 1;
  else if (r.outcome === 'feed') c.feedMail += 1;
  if (r.state === 'failed_format') c.formatErrors += 1;
  if (r.outcome === 'report' || r.outcome === 'machine') c.reports += r.reportIds.length;
}

function countResults(results: ProcessResult[]): MailImportCounts {
  const c: MailImportCounts = {
    messages: results.length,
    reports: 0,
    correspondence: 0,
    duplicates: 0,
    formatErrors: 0,
    failed: 0,
    tooLarge: 0,
    feedMail: 0,
  };
  for (const r of results) tally(c, r);
  return c;
}

function describeResult(lang: Lang, r: ProcessResult): string {
  return `${t(lang, 'cli.mail.message', { id: r.id })}: ${r.state}${r.outcome ? ` (${r.outcome})` : ''}${r.incidentId !== null ? ` ${t(lang, 'cli.mail.incident', { id: r.incidentId })}` : ''}${r.trackingNumbers.length ? ` ${r.trackingNumbers.join(', ')}` : ''}${r.error ? `: ${r.error}` : ''}`;
}
