import type { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProgram, runCli } from '../main/cli.ts';
import { CLI_HELP_ZH } from '../i18n/cli-help.ts';
import { commanderErrorText } from './help.ts';

/** Every description the program declares: commands, options, arguments, at every level. */
function descriptions(cmd: Command, out = new Set<string>()): Set<string> {
  if (cmd.description()) out.add(cmd.description());
  for (const o of cmd.options) if (o.description) out.add(o.description);
  for (const a of cmd.registeredArguments) if (a.description) out.add(a.description);
  for (const sub of cmd.commands) descriptions(sub, out);
  return out;
}

function find(path: string[]): Command {
  let cmd = buildProgram();
  for (const name of path) cmd = cmd.commands.find((c) => c.name() === name)!;
  return cmd;
}

const COMMANDER_WORDS = [
  'Usage:',
  'Options:',
  'Global Options:',
  'Commands:',
  'Arguments:',
  'display help for command',
  'default:',
  'choices:',
  'preset:',
  'env:',
];

/** Terminal columns of a line: wide (CJK, full-width) characters take two. */
const columns = (line: string) =>
  [...line].reduce((n, ch) => n + (/[\u2E80-\u9FFF\uFF00-\uFF60]/.test(ch) ? 2 : 1), 0);

describe('command-line help in zh-CN and en', () => {
  const before = process.env.CERTOPS_LANGUAGE;
  afterEach(() => {
    if (before === undefined) delete process.env.CERTOPS_LANGUAGE;
    else process.env.CERTOPS_LANGUAGE = before;
    vi.restoreAllMocks();
  });

  it('has a Chinese text for every description the program declares, and none left over', () => {
    const declared = descriptions(buildProgram());
    expect(declared.size).toBeGreaterThan(100);
    const missing = [...declared].filter((d) => !(d in CLI_HELP_ZH));
    expect(missing).toEqual([]);
    const unused = Object.keys(CLI_HELP_ZH).filter((k) => !declared.has(k) && !COMMANDER_WORDS.includes(k));
    expect(unused).toEqual([]);
    for (const [en, zh] of Object.entries(CLI_HELP_ZH)) {
      expect(zh.trim(), en).not.toBe('');
      expect(zh, en).not.toBe(en);
    }
  });

  it('shows help in Chinese, wrapped to the terminal in columns, with Commander’s notes translated', () => {
    process.env.CERTOPS_LANGUAGE = 'zh-CN';
    const help = find(['import', 'reports']).helpInformation();
    expect(help).toMatch(/^用法： certops import reports \[options\] <file>/);
    expect(help).toContain('导入历史报告及其事件、状态和分中心');
    expect(help).toContain('参数：');
    expect(help).toContain('选项：');
    expect(help).toContain('每个事务的行数（默认："2000"）');
    expect(help).toContain('显示命令的帮助');
    expect(help).not.toMatch(/Usage|Options|display help|default:/);
    const root = buildProgram().helpInformation();
    expect(root).toContain('命令：');
    for (const line of root.split('\n')) expect(columns(line), line).toBeLessThanOrEqual(80);
    // a long Chinese description is broken between characters, never before a comma or bracket
    const lines = root.split('\n');
    expect(lines.length).toBeGreaterThan(buildProgram().commands.length + 8);
    for (const line of lines) expect(line.trimStart()).not.toMatch(/^[，。；：、）]/);
  });

  it('shows help in English when the configured language is en', () => {
    process.env.CERTOPS_LANGUAGE = 'en';
    const help = find(['import', 'reports']).helpInformation();
    expect(help).toMatch(/^Usage: certops import reports \[options\] <file>/);
    expect(help).toContain('rows per transaction (default: "2000")');
    expect(help).toContain('Options:');
    expect(help).not.toMatch(/[\u4E00-\u9FFF]/);
  });

  it("writes Commander's parse errors in the configured language, one line and a non-zero exit", async () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    process.env.CERTOPS_LANGUAGE = 'zh-CN';
    expect(await runCli(['pipeline', 'reports', '--bogus'])).not.toBe(0);
    expect(written.join('')).toBe("错误：未知选项 '--bogus'\n");
    written.length = 0;
    process.env.CERTOPS_LANGUAGE = 'en';
    expect(await runCli(['pipeline', 'reports', '--bogus'])).not.toBe(0);
    expect(written.join('')).toBe("error: unknown option '--bogus'\n");
  });

  it('translates each of the Commander errors a user meets', () => {
    const zh = (s: string) => commanderErrorText('zh-CN', s);
    expect(zh("error: unknown command 'ingset'\n(Did you mean ingest?)\n")).toBe(
      "错误：未知命令 'ingset'\n（是否要用 ingest？）\n",
    );
    expect(zh("error: unknown option '--fed'\n(Did you mean one of --feed, --feeds?)")).toBe(
      "错误：未知选项 '--fed'\n（是否要用以下之一：--feed, --feeds？）",
    );
    expect(zh("error: missing required argument 'files'")).toBe("错误：缺少必需的参数 'files'");
    expect(zh("error: option '--feed <name>' argument missing")).toBe("错误：选项 '--feed <name>' 缺少值");
    expect(zh("error: required option '--feed <name>' not specified")).toBe(
      "错误：未指定必需的选项 '--feed <name>'",
    );
    expect(zh("error: option '--limit <n>' argument 'x' is invalid.")).toBe(
      "错误：选项 '--limit <n>' 的值 'x' 无效。",
    );
    expect(zh("error: too many arguments for 'migrate'. Expected 0 arguments but got 1.")).toBe(
      '错误：参数过多：应为 0 个，实际为 1 个。',
    );
    expect(commanderErrorText('en', "error: unknown option '--x'")).toBe("error: unknown option '--x'");
  });
});
