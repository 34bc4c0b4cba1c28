import { wholeNumber } from '../cli/options.ts';
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig, type Config, type ConfigInput } from '../config/config.ts';
import { DomainError } from '../core/shared/errors.ts';
import { registerCommands } from '../cli/index.ts';
import { composeServices, openMigratedDatabase } from './compose.ts';
import { createLogger } from './logger.ts';
import { mailProcessorFactoryFor } from './mail-processor.thread.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { openDatabase } from '../db/database.ts';
import { resolveDatabase } from '../config/config.ts';
import type { CliContext } from '../cli/context.ts';
import { cliErrorText, localiseCli } from '../cli/help.ts';
import { t, type Lang } from '../i18n/index.ts';

/** One line, non-zero exit: how every bad input ends on the command line. */
export class CliError extends Error {}

function configFrom(program: Command, overrides: ConfigInput = {}): Config {
  const opts = program.opts<{ config?: string; dataDir?: string; database?: string }>();
  return loadConfig({
    file: opts.config,
    overrides: {
      ...overrides,
      ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
      ...(opts.database ? { databaseUrl: opts.database } : {}),
    },
  });
}

/** The configured language (the global options parsed so far count); the default when it does not load. */
function languageOf(program: Command): Lang {
  try {
    return configFrom(program).language;
  } catch {
    return 'zh-CN';
  }
}

export function buildProgram(): Command {
  const program = new Command('certops')
    .description('certops: operations platform for national and regional CERTs')
    .option('-c, --config <file>', 'configuration file (JSON or YAML); also CERTOPS_CONFIG')
    .option('--data-dir <dir>', 'data directory for the embedded SQLite database (default ./data)')
    .option('--database <url>', 'postgres://… or sqlite:PATH; also DATABASE_URL')
    .showHelpAfterError(false)
    .exitOverride();
  // help and Commander's errors in the configured language, read once they are first written (the
  // global options are parsed by then); a configuration that does not load leaves the default
  let lang: Lang | undefined;
  const language = (): Lang => (lang ??= languageOf(program));
  localiseCli(program, language);

  program
    .command('serve')
    .description('run the web server (API, console, public site); migrates the database first')
    .option('-p, --port <n>', 'port (default 8080)', parsePort)
    .option('-H, --host <host>', 'address to listen on (default 127.0.0.1)')
    .action(async (opts: { port?: number; host?: string }) => {
      const http: Record<string, unknown> = {};
      if (opts.port !== undefined) http.port = opts.port;
      if (opts.host) http.host = opts.host;
      const config = configFrom(program, { http } as ConfigInput);
      const logger = createLogger(config);
      // the HTTP stack (routes, console, OpenAPI) loads only for `serve`: every other command
      // starts without it
      const { startServer } = await import('./server.ts');
      const server = await startServer(config, logger);
      await new Promise<void>((resolve) => {
        const stop = () => {
          void server.close().then(resolve);
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });

  program
    .command('migrate')
    .description('bring the database schema up to date')
    .action(async () => {
      const config = configFrom(program);
      const database = openDatabase(resolveDatabase(config), { onIdleError: () => {} });
      try {
        const r = await migrateToLatest(database);
        process.stdout.write(
          `${r.applied.length ? t(config.language, 'cli.migrate.applied', { names: r.applied.join(', ') }) : t(config.language, 'cli.migrate.upToDate')}\n`,
        );
      } finally {
        await database.close();
      }
    });

  const context: CliContext = {
    async withServices(fn, options) {
      const config = configFrom(program);
      const database = await openMigratedDatabase(config);
      try {
        const services = composeServices(database, config);
        // The default branches and directory, as on `serve` (idempotent): commands may run first.
        if (options?.seedDefaults !== false) await services.directory.seedDefaults();
        return await fn(services, config);
      } finally {
        await database.close();
      }
    },
    mailProcessorFactory: (config, services) => mailProcessorFactoryFor(config, services.mailIntake),
    language,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
  registerCommands(program, context);
  return program;
}

const parsePort = (v: string) => wholeNumber('--port', v, 0, 65535);

/** The message, with the fields appended unless it already names them. */
function describeDomainError(e: DomainError): string {
  const extra = e.fields.filter((f) => !e.message.includes(f.field));
  return extra.length
    ? `${e.message}: ${extra.map((f) => `${f.field}: ${f.message}`).join('; ')}`
    : e.message;
}

/** Runs the CLI; returns the exit code. Errors become one line on stderr. */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; commander already printed its own message
      return e.exitCode;
    }
    const msg =
      e instanceof ConfigError || e instanceof CliError
        ? e.message
        : e instanceof DomainError
          ? describeDomainError(e)
          : `error: ${(e as Error).message ?? e}`;
    process.stderr.write(`certops: ${cliErrorText(languageOf(program), msg.split('\n')[0]!)}\n`);
    return e instanceof DomainError || e instanceof ConfigError || e instanceof CliError ? 2 : 1;
  }
}
