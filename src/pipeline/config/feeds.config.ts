import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DEFAULT_DEDUP_WINDOW_SECONDS } from '../../core/events/dedup.ts';
import { DomainError } from '../../core/shared/errors.ts';

/**
 * The feeds configuration (`feeds.yaml` or `.json`, docs/feeds.example.yaml): which feeds exist,
 * the parser each one uses and how its reports arrive. Validated once at load; a mistake is one
 * line naming the file, the feed and the setting.
 */

const FEED_NAME = /^[a-z0-9][a-z0-9._-]{0,79}$/;

const regexString = z.string().refine((s) => {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
}, 'not a valid regular expression');

const collectorSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('file') }).strict(),
  z.object({ kind: z.literal('upload') }).strict(),
  z
    .object({
      kind: z.literal('dir'),
      /** Drop directory; relative paths are relative to the feeds file. */
      path: z.string().min(1),
      /** Only file names matching this regular expression (default: every file). */
      pattern: regexString.optional(),
      /** Full rescan every N seconds besides fs.watch (default 60). */
      intervalSeconds: z.number().positive().default(60),
      /** Move processed files to `<path>/done/` (default); false: leave them, skip by SHA-256. */
      moveToDone: z.boolean().default(true),
    })
    .strict(),
  z
    .object({
      kind: z.literal('http'),
      url: z.url({ protocol: /^https?$/ }),
      /** Seconds between downloads (default 3600). */
      intervalSeconds: z.number().positive().default(3600),
      /** Extra request headers (API keys). */
      headers: z.record(z.string(), z.string()).default({}),
      /** File name given to the raw report (default: the URL's last path segment). */
      fileName: z.string().min(1).optional(),
      /** Largest accepted download, bytes (default 1 GiB). */
      maxBytes: z.number().int().positive().default(1_073_741_824),
    })
    .strict(),
  z
    .object({
      kind: z.literal('mail'),
      /** Sender address (regular expression, case-insensitive) whose attachments belong to this feed. */
      from: regexString.optional(),
      /** Subject (regular expression, case-insensitive). */
      subject: regexString.optional(),
      /** Attachment file names (regular expression), default every attachment. */
      attachment: regexString.optional(),
    })
    .strict()
    .refine((m) => m.from !== undefined || m.subject !== undefined, 'a mail collector needs from or subject'),
]);

export type CollectorConfig = z.infer<typeof collectorSchema>;

const feedSchema = z
  .object({
    name: z.string().regex(FEED_NAME, 'lower-case letters, digits, dot, dash and underscore (≤ 80)'),
    parser: z.string().min(1),
    parserOptions: z.record(z.string(), z.unknown()).default({}),
    provider: z.string().default(''),
    description: z.string().default(''),
    enabled: z.boolean().default(true),
    collector: collectorSchema.default({ kind: 'upload' }),
    dedup: z
      .object({
        windowSeconds: z.number().int().positive().default(DEFAULT_DEDUP_WINDOW_SECONDS),
        /** Override the per-type dedup fields (IntelMQ names). */
        fields: z.array(z.string().min(1)).min(1).optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type FeedConfig = z.infer<typeof feedSchema>;

const fileSchema = z.object({ feeds: z.array(feedSchema).default([]) }).strict();

export interface FeedsConfig {
  /** The file read (may not exist: then no feeds). */
  file: string;
  exists: boolean;
  feeds: readonly FeedConfig[];
  byName: ReadonlyMap<string, FeedConfig>;
  names: ReadonlySet<string>;
}

/** The feeds file a configuration points to: `feedsFile`, else `<dataDir>/feeds.yaml`. */
export function resolveFeedsFile(config: { feedsFile: string; dataDir: string }): string {
  return path.resolve(config.feedsFile !== '' ? config.feedsFile : path.join(config.dataDir, 'feeds.yaml'));
}

function fail(file: string, message: string): never {
  throw new DomainError('invalid_input', `feeds: ${file}: ${message}`);
}

function issuePath(data: unknown, issuePath: readonly PropertyKey[]): string {
  // feeds[3] → feeds[3] (name)
  let label = '';
  let node: unknown = data;
  for (const part of issuePath) {
    label += typeof part === 'number' ? `[${part}]` : label === '' ? String(part) : `.${String(part)}`;
    if (typeof part === 'number' && Array.isArray(node)) {
      const item: unknown = node[part];
      const name = typeof item === 'object' && item !== null ? (item as { name?: unknown }).name : undefined;
      if (typeof name === 'string') label += ` (${name})`;
    }
    node =
      typeof node === 'object' && node !== null
        ? (node as Record<string, unknown>)[part as string]
        : undefined;
  }
  return label || '(root)';
}

/** Validates parsed feeds-file content. `parserIds`: the known parser ids (unknown → error). */
export function parseFeedsConfig(
  data: unknown,
  options: { file: string; parserIds?: readonly string[] },
): FeedsConfig {
  const file = options.file;
  const result = fileSchema.safeParse(data ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    fail(file, `${issuePath(data, issue.path)}: ${issue.message}`);
  }
  const byName = new Map<string, FeedConfig>();
  const known = options.parserIds ? new Set(options.parserIds) : null;
  result.data.feeds.forEach((feed, i) => {
    if (byName.has(feed.name)) fail(file, `feeds[${i}] (${feed.name}): name: duplicate feed name`);
    if (known && !known.has(feed.parser))
      fail(
        file,
        `feeds[${i}] (${feed.name}): parser: unknown parser "${feed.parser}" (known: ${[...known].sort().join(', ') || 'none'})`,
      );
    if (feed.collector.kind === 'dir' && !path.isAbsolute(feed.collector.path))
      feed.collector.path = path.resolve(path.dirname(file), feed.collector.path);
    byName.set(feed.name, feed);
  });
  return { file, exists: true, feeds: result.data.feeds, byName, names: new Set(byName.keys()) };
}

/** Reads and validates the feeds file; a missing file is an empty configuration. */
export function loadFeedsConfig(file: string, options: { parserIds?: readonly string[] } = {}): FeedsConfig {
  if (!existsSync(file)) return { file, exists: false, feeds: [], byName: new Map(), names: new Set() };
  let data: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    data = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    fail(file, `cannot read: ${(e as Error).message.split('\n')[0]}`);
  }
  if (typeof data !== 'object' || Array.isArray(data))
    fail(file, 'top level must be an object with a `feeds` list');
  return { ...parseFeedsConfig(data, { file, ...options }), exists: true };
}

/**
 * The feeds configuration of a file, re-read when the file changes (so `serve` and workers pick
 * up an edited feeds.yaml without a restart). An invalid file throws on every read until fixed.
 */
export function createFeedsSource(
  file: string,
  options: { parserIds?: () => readonly string[] } = {},
): () => FeedsConfig {
  let cached: { stamp: string; config: FeedsConfig } | null = null;
  return () => {
    let stamp = 'missing';
    try {
      const st = statSync(file);
      stamp = `${st.mtimeMs}:${st.size}`;
    } catch {
      // missing file: an empty configuration
    }
    if (cached && cached.stamp === stamp) return cached.config;
    const config = loadFeedsConfig(file, options.parserIds ? { parserIds: options.parserIds() } : {});
    cached = { stamp, config };
    return config;
  };
}
