import type { Command } from 'commander';
import { systemActor } from '../core/auth/actor.ts';
import type { IncidentStats } from '../core/stats/incident-stats.ts';
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
}
