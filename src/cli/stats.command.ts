import type { Command } from 'commander';
import { systemActor } from '../core/auth/actor.ts';
import type { IncidentStats } from '../core/stats/incident-stats.ts';
import type { BotnetFigures, BotnetPeriodFigures, BotnetStats } from '../core/stats/botnet-stats.ts';
import { t, type Lang } from '../i18n/index.ts';
import type { CliContext } from './context.ts';

function pct(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** The figures as a plain-text table, in the chosen language. */
export function formatIncidentStats(s: IncidentStats, lang: Lang): string[] {
  const out: string[] = [];
  out.push(`${t(lang, 'stats.period')}: ${s.period.from} … ${s.period.to} (${s.period.timeZone})`);
  out.push('');
  out.push(`${t(lang, 'stats.reports_received_non_scanning.label')}: ${s.reportsReceivedNonScanning}`);
  for (const m of s.reportsPerMonth) out.push(`  ${m.month}  ${String(m.count).padStart(8)}`);
  out.push('');
  out.push(t(lang, 'stats.reports_received_per_category.label'));
  for (const c of s.reportsPerCategory)
    out.push(
      `  ${t(lang, `category.${c.key}`).padEnd(16)} ${String(c.count).padStart(8)}  ${pct(c.share).padStart(6)}`,
    );
  out.push('');
  out.push(`${t(lang, 'stats.incidents_handled.label')}: ${s.incidentsHandled}`);
  for (const c of s.handledPerCategory)
    out.push(
      `  ${t(lang, `category.${c.key}`).padEnd(16)} ${String(c.count).padStart(8)}  ${pct(c.share).padStart(6)}`,
    );
  out.push('');
  out.push(`${t(lang, 'stats.branches_handling.label')}: ${s.branchesHandling.total}`);
  for (const b of s.branchesHandling.items)
    out.push(`  ${b.key.padEnd(16)} ${String(b.count).padStart(8)}  ${pct(b.share).padStart(6)}`);
  return out;
}

/** A country/region code as the report names it (TW, HK, MO as regions of China; ZZ unknown). */
export function regionLabel(code: string, lang: Lang): string {
  const key = `botnets.region.${code}`;
  const own = t(lang, key);
  if (own !== key) return own;
  try {
    return new Intl.DisplayNames([lang], { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}

function formatBotnetFigures(f: BotnetFigures, lang: Lang, out: string[]): void {
  const row = (label: string, count: number, share?: number) =>
    out.push(
      `    ${label.padEnd(24)} ${String(count).padStart(10)}${share === undefined ? '' : `  ${pct(share).padStart(6)}`}`,
    );
  out.push(
    `  ${t(lang, 'botnets.controller_ips')}: ${f.controllerIps.total} (${t(lang, 'botnets.mainland')} ${f.controllerIps.mainland}, ${t(lang, 'botnets.outside_mainland')} ${f.controllerIps.outsideMainland})`,
  );
  out.push(
    `  ${t(lang, 'botnets.controlled_ips')}: ${f.controlledIps.total} (${t(lang, 'botnets.mainland')} ${f.controlledIps.mainland})`,
  );
  out.push(`  ${t(lang, 'botnets.by_province')}`);
  for (const i of f.controlledMainlandByBranch.items)
    row(i.key === 'unknown' ? t(lang, 'botnets.unknown_branch') : i.key, i.count, i.share);
  out.push(`  ${t(lang, 'botnets.by_region')}`);
  for (const i of f.controllersOutsideMainlandByRegion.items)
    row(`${i.key} ${regionLabel(i.key, lang)}`, i.count, i.share);
  out.push(`  ${t(lang, 'botnets.ports')}`);
  for (const i of f.ccPorts.items.slice(0, 20)) row(String(i.port), i.count, i.share);
  out.push(`  ${t(lang, 'botnets.sizes')}`);
  for (const i of f.botnetSizes.items) row(i.bucket, i.count, i.share);
}

function formatBotnetPeriod(p: BotnetPeriodFigures, lang: Lang, out: string[]): void {
  const sections: [string, BotnetFigures][] = [];
  if (p.all) sections.push([t(lang, 'botnets.kind.all'), p.all]);
  for (const [k, f] of Object.entries(p.byKind)) sections.push([t(lang, `botnets.kind.${k}`), f]);
  for (const [label, f] of sections) {
    out.push(`${label} (${p.period.from} … ${p.period.to})`);
    formatBotnetFigures(f, lang, out);
    out.push('');
  }
}

/** The §6 figures as plain text, per kind, then the previous year's when there is data. */
export function formatBotnetStats(s: BotnetStats, lang: Lang): string[] {
  const out: string[] = [];
  out.push(`${t(lang, 'stats.period')}: ${s.period.from} … ${s.period.to} (${s.period.timeZone})`);
  out.push('');
  formatBotnetPeriod(s, lang, out);
  for (const [label, p] of [
    ['botnets.previous_same', s.previousYearSamePeriod],
    ['botnets.previous_full', s.previousYearFull],
  ] as const) {
    if (!p) {
      out.push(`${t(lang, label)}: ${t(lang, 'botnets.no_previous')}`);
      continue;
    }
    out.push(`${t(lang, label)}:`);
    formatBotnetPeriod(p, lang, out);
  }
  return out;
}

export function registerStatsCommands(program: Command, ctx: CliContext): void {
  const stats = program
    .command('stats')
    .description('statistics of the situation report, from the platform’s own records');
  stats
    .command('incidents')
    .description(
      '§3: non-scanning reports per month and category, incidents handled per category, branches taking part',
    )
    .requiredOption('--from <day>', 'first day, YYYY-MM-DD (local time zone of the configuration)')
    .requiredOption('--to <day>', 'last day, YYYY-MM-DD, inclusive')
    .option('--json', 'machine-readable output')
    .option('--lang <lang>', 'zh-CN or en (default: the configured language)')
    .action(async (opts: { from: string; to: string; json?: boolean; lang?: string }) => {
      await ctx.withServices(async (services, config) => {
        const s = await services.stats.incidentStats(systemActor('stats'), { from: opts.from, to: opts.to });
        if (opts.json) {
          ctx.out(JSON.stringify(s, null, 2));
          return;
        }
        const lang: Lang = opts.lang === 'en' || opts.lang === 'zh-CN' ? opts.lang : config.language;
        for (const line of formatIncidentStats(s, lang)) ctx.out(line);
      });
    });
  stats
    .command('botnets')
    .description(
      '§6: trojan controllers and controlled hosts, mainland by province, controllers outside the mainland by region, C&C ports, botnet sizes; per malware kind',
    )
    .requiredOption('--from <day>', 'first day, YYYY-MM-DD (local time zone of the configuration)')
    .requiredOption('--to <day>', 'last day, YYYY-MM-DD, inclusive')
    .option('--kind <kind>', 'one malware kind only: trojan, bot, worm, virus or other')
    .option('--json', 'machine-readable output')
    .option('--lang <lang>', 'zh-CN or en (default: the configured language)')
    .action(async (opts: { from: string; to: string; kind?: string; json?: boolean; lang?: string }) => {
      await ctx.withServices(async (services, config) => {
        await services.malwareFamilies.seedDefaults();
        const s = await services.botnetStats.botnetStats(systemActor('stats'), {
          from: opts.from,
          to: opts.to,
          ...(opts.kind !== undefined ? { kind: opts.kind } : {}),
        });
        if (opts.json) {
          ctx.out(JSON.stringify(s, null, 2));
          return;
        }
        const lang: Lang = opts.lang === 'en' || opts.lang === 'zh-CN' ? opts.lang : config.language;
        for (const line of formatBotnetStats(s, lang)) ctx.out(line);
      });
    });
}
