import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const severityHours = z.object({
  critical: z.number().positive().default(4),
  high: z.number().positive().default(24),
  medium: z.number().positive().default(72),
  low: z.number().positive().default(168),
});

export const configSchema = z.object({
  dataDir: z.string().min(1).default('./data'),
  /** `postgres://…` for PostgreSQL; `sqlite:PATH` or empty for the embedded SQLite file under dataDir. */
  databaseUrl: z.string().default(''),
  http: z
    .object({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
      /** Largest accepted request body, bytes (API and forms). */
      bodyLimit: z.number().int().positive().default(1_048_576),
      /** Largest accepted upload (public report attachment), bytes. */
      uploadLimit: z.number().int().positive().default(10_485_760),
      publicBaseUrl: z.string().url().default('http://localhost:8080'),
      /** Set the Secure flag on cookies (behind TLS). */
      secureCookies: z.boolean().default(false),
    })
    .prefault({}),
  adminPassword: z.string().min(12).optional(),
  language: z.enum(['zh-CN', 'en']).default('zh-CN'),
  /** IANA time zone in which statistics count days and months (a report's "January"). */
  timeZone: z
    .string()
    .default('Asia/Shanghai')
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'unknown IANA time zone'),
  sessionTtlHours: z.number().positive().default(12),
  /** Hours from opening to the due time, per severity; overdue incidents are flagged in lists. */
  slaHours: severityHours.prefault({}),
  rateLimits: z
    .object({
      loginPerWindow: z.number().int().positive().default(10),
      publicReportsPerWindow: z.number().int().positive().default(20),
      windowSeconds: z.number().int().positive().default(900),
    })
    .prefault({}),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The feeds configuration (feeds.yaml or .json); empty: `<dataDir>/feeds.yaml`. */
  feedsFile: z.string().default(''),
  /** The feed pipeline's workers (docs/pipeline.md). */
  pipeline: z
    .object({
      /**
       * Events per batch (one transaction each); unset: by database, see pipelineBatchSize
       * (docs/pipeline.md, "Batch size").
       */
      batchSize: z.number().int().min(1).max(100_000).optional(),
      /** A claimed raw report untouched this long is taken over by another worker, seconds. */
      leaseSeconds: z.number().int().positive().default(300),
      /** Seconds between looks for pending raw reports (watch mode, serve, worker). */
      pollSeconds: z.number().positive().default(5),
      /** Run the pipeline loop inside `certops serve`. */
      inServe: z.boolean().default(true),
      /** Largest accepted feed upload (POST /api/v1/feeds/{name}/reports), bytes. */
      uploadLimit: z.number().int().positive().default(1_073_741_824),
    })
    .prefault({}),
  /** The public site: who runs it and how people reach them (defaults: the seed report's CNCERT/CC). */
  site: z
    .object({
      shortName: z.string().trim().min(1).default('CNCERT/CC'),
      nameZh: z.string().trim().min(1).default('国家计算机网络应急技术处理协调中心'),
      nameEn: z
        .string()
        .trim()
        .min(1)
        .default('National Computer Network Emergency Response Technical Team/Coordination Center of China'),
      contactEmail: z.email().default('cncert@cert.org.cn'),
      contactPhone: z.string().trim().default('+86 10 82990999'),
      /** Hotline for callers in English (empty: none). */
      contactPhoneEn: z.string().trim().default('+86 10 82991000'),
      contactFax: z.string().trim().default('+86 10 82990375'),
      /** security.txt `Encryption:` (an https URL of the OpenPGP key), when there is one. */
      pgpKeyUrl: z.url({ protocol: /^https$/ }).optional(),
      /** HMAC key signing the public forms' tokens; generated at start when unset (set it when several servers share the load). */
      formSecret: z.string().min(32).optional(),
      /** How long a public form stays valid after it was served, hours. */
      formMaxAgeHours: z.number().positive().default(12),
    })
    .prefault({}),
  /** E-mail: inbound (SMTP listener) and outbound (relay, outbox, notifications). */
  mail: z
    .object({
      /** The tag of the threading subject prefix `[certops #123]` (shared by inbound and outbound). */
      subjectTag: z.string().trim().min(1).max(40).default('certops'),
      /** Inbound: the built-in SMTP listener started by `certops serve` and `certops mail serve`. */
      smtp: z
        .object({
          enabled: z.boolean().default(true),
          host: z.string().min(1).default('127.0.0.1'),
          port: z.number().int().min(0).max(65535).default(2525),
        })
        .prefault({}),
      /** Inbound: the mail domain; the default report address is report@<domain>. */
      domain: z.string().trim().min(1).default('localhost'),
      /** Inbound: largest accepted message, bytes (SMTP SIZE; 552 over it). */
      maxMessageBytes: z
        .number()
        .int()
        .positive()
        .default(25 * 1024 * 1024),
      /** Inbound: recipients accepted per message; the rest get 452. */
      maxRecipients: z.number().int().positive().default(100),
      /** Inbound: report addresses and the branch each routes to; empty: report@<domain> → national centre. */
      addresses: z
        .array(z.object({ address: z.email(), branchCode: z.string().trim().min(1).max(32) }))
        .default([]),
      /** Inbound: seconds between looks for stored, unprocessed messages (new mail also wakes the processor). */
      processIntervalSeconds: z.number().positive().default(30),
      /**
       * Inbound: process stored mail in a worker thread with its own database connection, so that
       * accepting (SMTP) and processing use two cores; off: in the listener's thread. An in-memory
       * SQLite database is always processed in the listener's thread.
       */
      processInThread: z.boolean().default(true),
      /** Inbound: the acknowledgement a new reporter gets (from `mail.from`). */
      autoAck: z
        .object({
          enabled: z.boolean().default(true),
          /** Acknowledgements per reporter address per hour; beyond it none (loop breaker). */
          maxPerHourPerAddress: z.number().int().min(0).default(3),
          /** `auto`: Chinese when the message is, else English. */
          language: z.enum(['auto', 'zh-CN', 'en']).default('auto'),
          /** Acknowledge machine-readable reports (ARF, X-ARF, XARF, IODEF) too. */
          machineReports: z.boolean().default(false),
        })
        .prefault({}),
      /** From address of outgoing mail. */
      from: z.email().default('certops@localhost'),
      /** Display name of the From address (empty: the site's short name). */
      fromName: z.string().trim().max(200).default(''),
      /** Host part of generated Message-IDs `<uuid@host>` (empty: the From address's domain). */
      messageIdHost: z.string().trim().max(255).default(''),
      /** The SMTP relay outgoing mail goes through; host empty = no relay (mail stays queued). */
      relay: z
        .object({
          host: z.string().trim().default(''),
          port: z.number().int().min(1).max(65535).default(25),
          /** TLS from the start (port 465); otherwise STARTTLS when the relay offers it. */
          secure: z.boolean().default(false),
          user: z.string().default(''),
          pass: z.string().default(''),
          /** Connection and greeting timeout, milliseconds. */
          timeoutMs: z.number().int().positive().default(30_000),
        })
        .prefault({}),
      /** OpenPGP signing of outgoing mail (PGP/MIME, RFC 3156) with the CERT's key, when keyFile is set. */
      pgp: z
        .object({
          /** Armored private key file. */
          keyFile: z.string().optional(),
          passphrase: z.string().optional(),
        })
        .prefault({}),
      /** The outbox sender loop inside `serve`: how often it looks for due mail, seconds. */
      outboxPollSeconds: z.number().int().positive().default(30),
      /** Bulk notifications (grouped per contact and interval, with a CSV). */
      notify: z
        .object({
          /** Interval of organisations with none set (and of contacts outside the directory). */
          defaultInterval: z.enum(['hourly', 'daily', 'weekly']).default('daily'),
          /** The scheduler inside `serve` runs every N minutes (0: off). */
          runEveryMinutes: z.number().int().min(0).default(60),
          /** Rows per mail at most (the rest go in the next run). */
          maxRowsPerMail: z.number().int().positive().default(10_000),
        })
        .prefault({}),
    })
    .prefault({}),
});

export type Config = Readonly<z.infer<typeof configSchema>>;
export type ConfigInput = z.input<typeof configSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Environment variables and the configuration key each one sets. */
const ENV_KEYS: Record<string, { key: string; type: 'string' | 'number' | 'boolean' }> = {
  CERTOPS_DATA_DIR: { key: 'dataDir', type: 'string' },
  DATABASE_URL: { key: 'databaseUrl', type: 'string' },
  CERTOPS_HOST: { key: 'http.host', type: 'string' },
  CERTOPS_PORT: { key: 'http.port', type: 'number' },
  CERTOPS_PUBLIC_URL: { key: 'http.publicBaseUrl', type: 'string' },
  CERTOPS_SECURE_COOKIES: { key: 'http.secureCookies', type: 'boolean' },
  CERTOPS_ADMIN_PASSWORD: { key: 'adminPassword', type: 'string' },
  CERTOPS_LANGUAGE: { key: 'language', type: 'string' },
  CERTOPS_LOG_LEVEL: { key: 'logLevel', type: 'string' },
  CERTOPS_TIME_ZONE: { key: 'timeZone', type: 'string' },
  CERTOPS_FEEDS_FILE: { key: 'feedsFile', type: 'string' },
  CERTOPS_FORM_SECRET: { key: 'site.formSecret', type: 'string' },
  CERTOPS_SMTP_HOST: { key: 'mail.smtp.host', type: 'string' },
  CERTOPS_SMTP_PORT: { key: 'mail.smtp.port', type: 'number' },
  CERTOPS_SMTP_ENABLED: { key: 'mail.smtp.enabled', type: 'boolean' },
  CERTOPS_MAIL_PROCESS_THREAD: { key: 'mail.processInThread', type: 'boolean' },
  CERTOPS_MAIL_DOMAIN: { key: 'mail.domain', type: 'string' },
  CERTOPS_MAIL_MAX_BYTES: { key: 'mail.maxMessageBytes', type: 'number' },
  CERTOPS_MAIL_SUBJECT_TAG: { key: 'mail.subjectTag', type: 'string' },
  CERTOPS_MAIL_AUTO_ACK: { key: 'mail.autoAck.enabled', type: 'boolean' },
  CERTOPS_MAIL_FROM: { key: 'mail.from', type: 'string' },
  CERTOPS_SMTP_RELAY_HOST: { key: 'mail.relay.host', type: 'string' },
  CERTOPS_SMTP_RELAY_PORT: { key: 'mail.relay.port', type: 'number' },
  CERTOPS_SMTP_RELAY_USER: { key: 'mail.relay.user', type: 'string' },
  CERTOPS_SMTP_RELAY_PASS: { key: 'mail.relay.pass', type: 'string' },
  CERTOPS_PGP_PASSPHRASE: { key: 'mail.pgp.passphrase', type: 'string' },
};

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

function coerce(envName: string, raw: string, type: 'string' | 'number' | 'boolean'): unknown {
  if (type === 'string') return raw;
  if (type === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n))
      throw new ConfigError(`config: ${envName}: expected a number, got "${raw}"`);
    return n;
  }
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`config: ${envName}: expected true or false, got "${raw}"`);
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(
      `config: cannot read config file ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`,
    );
  }
  try {
    const parsed: unknown = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error('top level must be an object');
    }
    return parsed as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError(`config: ${file}: ${(e as Error).message}`);
  }
}

/**
 * Builds the frozen configuration from (lowest to highest precedence) defaults, the config file
 * (CERTOPS_CONFIG or `file`), environment variables and explicit overrides (CLI flags).
 * A wrong value throws ConfigError with one line naming the setting.
 */
export function loadConfig(
  options: { env?: NodeJS.ProcessEnv; file?: string; overrides?: ConfigInput } = {},
): Config {
  const env = options.env ?? process.env;
  const file = options.file ?? env.CERTOPS_CONFIG;
  const input: Record<string, unknown> = file ? readConfigFile(file) : {};
  for (const [name, spec] of Object.entries(ENV_KEYS)) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') setPath(input, spec.key, coerce(name, raw, spec.type));
  }
  if (env.PORT && env.CERTOPS_PORT === undefined)
    setPath(input, 'http.port', coerce('PORT', env.PORT, 'number'));
  const merged = mergeDeep(input, (options.overrides ?? {}) as Record<string, unknown>);
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigError(`config: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return deepFreeze(result.data);
}

function mergeDeep(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (v === undefined) continue;
    const prev = out[k];
    out[k] =
      typeof v === 'object' && v !== null && !Array.isArray(v) && typeof prev === 'object' && prev !== null
        ? mergeDeep(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * The pipeline's default batch size per database: SQLite's batch is one in-process transaction and
 * ran ~5 % faster at 4,000 events than at 10,000 (less kept alive between commits); PostgreSQL's
 * costs round trips per batch and measured no better below 10,000 (docs/performance.md).
 */
export const DEFAULT_PIPELINE_BATCH = { sqlite: 4_000, postgres: 10_000 } as const;

/** Events per pipeline batch: `pipeline.batchSize` when set, else the database's default. */
export function pipelineBatchSize(config: Config): number {
  return config.pipeline.batchSize ?? DEFAULT_PIPELINE_BATCH[resolveDatabase(config).dialect];
}

/** The database location the configuration points to. */
export function resolveDatabase(
  config: Config,
): { dialect: 'sqlite'; file: string } | { dialect: 'postgres'; url: string } {
  const url = config.databaseUrl;
  if (/^postgres(ql)?:\/\//i.test(url)) return { dialect: 'postgres', url };
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    return { dialect: 'sqlite', file: file === ':memory:' ? file : path.resolve(file) };
  }
  if (url !== '')
    throw new ConfigError(`config: databaseUrl: expected postgres://… or sqlite:PATH, got "${url}"`);
  return { dialect: 'sqlite', file: path.resolve(config.dataDir, 'certops.db') };
}
