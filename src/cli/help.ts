import { Help, type Argument, type Command, type Option } from 'commander';
import { CLI_HELP_ZH } from '../i18n/cli-help.ts';
import type { Lang } from '../i18n/index.ts';

/*
 * The command line's help and Commander's own errors in the configured language. Commands are
 * declared with English descriptions; when the language is zh-CN, help shows each one's text from
 * CLI_HELP_ZH (src/i18n/cli-help.ts) and Commander's titles, notes and parse errors in Chinese.
 */

/** A description as shown in `lang` (English is the declared text itself). */
export function cliText(lang: Lang, english: string): string {
  return lang === 'zh-CN' ? (CLI_HELP_ZH[english] ?? english) : english;
}

/**
 * A description with Commander's notes appended (" (default: 2000, env: X)"): the description and
 * the notes' labels translated, the values kept.
 */
function withNotes(lang: Lang, described: string, description: string): string {
  if (lang !== 'zh-CN') return described;
  const notes = description ? described.slice(description.length + 1) : described;
  if (!/^\(.*\)$/.test(notes)) return cliText(lang, described);
  const inner = notes
    .slice(1, -1)
    .replace(/\b(default|choices|preset|env): /g, (_, label: string) => cliText(lang, `${label}:`));
  return `${description ? cliText(lang, description) : ''}（${inner}）`;
}

/** East Asian wide characters (CJK, Hangul, full-width forms): two terminal columns each. */
const WIDE_CHARS = String.raw`\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF01-\uFF60\uFFE0-\uFFE6`;
const WIDE = new RegExp(`[${WIDE_CHARS}]`, 'g');
/** Closing punctuation that stays with the text before it (a line never starts with "，" or "）"). */
const CLOSING = '[，。；：、！？）》」』]*';

/** Terminal columns of a help text: Commander's width (ANSI styles left out) plus one per wide character. */
function columns(help: Help, text: string): number {
  return Help.prototype.displayWidth.call(help, text) + (text.match(WIDE)?.length ?? 0);
}

/**
 * Chunks a line may break between: a run of other non-space text, or one wide character, each
 * with the closing punctuation after it and the spaces before it.
 */
const CHUNK = new RegExp(String.raw`\s*(?:[${WIDE_CHARS}]${CLOSING}|[^\s${WIDE_CHARS}]+${CLOSING})`, 'g');

/** Commander's wrapping, in columns, breaking Chinese text between characters as well as at spaces. */
function wrap(help: Help, text: string, width: number): string {
  if (width < help.minWidthToWrap) return text;
  const out: string[] = [];
  for (const line of text.split(/\r\n|\n/)) {
    const chunks = line.match(CHUNK);
    if (chunks === null) {
      out.push('');
      continue;
    }
    let current = chunks[0]!;
    let used = columns(help, current);
    for (const chunk of chunks.slice(1)) {
      const w = columns(help, chunk);
      if (used + w <= width) {
        current += chunk;
        used += w;
        continue;
      }
      out.push(current);
      current = chunk.trimStart();
      used = columns(help, current);
    }
    out.push(current);
  }
  return out.join('\n');
}

const ERRORS: [RegExp, string][] = [
  [/^error: unknown option '(.+?)'/, "错误：未知选项 '$1'"],
  [/^error: unknown command '(.+?)'/, "错误：未知命令 '$1'"],
  [/^error: missing required argument '(.+?)'/, "错误：缺少必需的参数 '$1'"],
  [/^error: option '(.+?)' argument missing/, "错误：选项 '$1' 缺少值"],
  [/^error: required option '(.+?)' not specified/, "错误：未指定必需的选项 '$1'"],
  [/^error: option '(.+?)' argument '(.*?)' is invalid\./, "错误：选项 '$1' 的值 '$2' 无效。"],
  [
    /^error: too many arguments(?: for '(.+?)')?\. Expected (\d+) arguments? but got (\d+)\./,
    '错误：参数过多：应为 $2 个，实际为 $3 个。',
  ],
  [/\(Did you mean one of (.+)\?\)/, '（是否要用以下之一：$1？）'],
  [/\(Did you mean (.+)\?\)/, '（是否要用 $1？）'],
];

const MESSAGES: [RegExp, string][] = [
  [/^(\S+): expected a whole number (\d+)-(\d+), got "(.*)"$/, '$1：应为 $2-$3 之间的整数，实际为 "$4"'],
  [/^(\S+): expected one of (.+), got "(.*)"$/, '$1：应为以下之一：$2，实际为 "$3"'],
  [/^(\S+): expected one of (.+)$/, '$1：应为以下之一：$2'],
  [/^(.+): no such file or directory$/, '$1：文件或目录不存在'],
  [/^(.+): no such file$/, '$1：文件不存在'],
];

/**
 * A one-line error the commands themselves raise about their options and files, in `lang`
 * (the shapes `cli/options.ts` and the readers write); any other message is kept as it is.
 */
export function cliErrorText(lang: Lang, message: string): string {
  if (lang !== 'zh-CN') return message;
  for (const [pattern, zh] of MESSAGES) if (pattern.test(message)) return message.replace(pattern, zh);
  return message;
}

/** One of Commander's parse errors (as it writes it) in `lang`; an unknown one stays English. */
export function commanderErrorText(lang: Lang, text: string): string {
  if (lang !== 'zh-CN') return text;
  let out = text;
  for (const [pattern, zh] of ERRORS) out = out.replace(pattern, zh);
  return out;
}

/**
 * Shows `program`'s help and Commander's errors in the language `langOf` gives when they are
 * written (so `--config` and CERTOPS_LANGUAGE, parsed by then, count). Call it before adding
 * subcommands: they inherit both settings.
 */
export function localiseCli(program: Command, langOf: () => Lang): void {
  const base = Help.prototype;
  program.configureHelp({
    styleTitle: (title: string) => cliText(langOf(), title),
    commandDescription(this: Help, cmd: Command) {
      return cliText(langOf(), base.commandDescription.call(this, cmd));
    },
    subcommandDescription(this: Help, cmd: Command) {
      return cliText(langOf(), base.subcommandDescription.call(this, cmd));
    },
    optionDescription(this: Help, option: Option) {
      return withNotes(langOf(), base.optionDescription.call(this, option), option.description);
    },
    argumentDescription(this: Help, argument: Argument) {
      return withNotes(langOf(), base.argumentDescription.call(this, argument), argument.description);
    },
    boxWrap(this: Help, text: string, width: number) {
      return langOf() === 'zh-CN' ? wrap(this, text, width) : base.boxWrap.call(this, text, width);
    },
  });
  program.configureOutput({
    outputError: (text, write) => write(commanderErrorText(langOf(), text)),
  });
}
