/**
 * `npm run bench -- NAME [options]`: runs one benchmark, which prints one JSON line per figure
 * ({"bench","figure","value","unit",…}). Figures are recorded in docs/performance.md with the
 * machine they ran on; they are never assertions in tests.
 */
const BENCHES: Record<string, () => Promise<{ run(args: string[]): Promise<void> }>> = {
  incidents: () => import('./incidents.bench.ts'),
  pipeline: () => import('./pipeline.bench.ts'),
  observables: () => import('./observables.bench.ts'),
  mail: () => import('./mail.bench.ts'),
  geo: () => import('./geo.bench.ts'),
  parsers: () => import('./parsers.bench.ts'),
};

const [name, ...args] = process.argv.slice(2);
const load = name ? BENCHES[name] : undefined;
if (!load) {
  process.stderr.write(`usage: npm run bench -- <${Object.keys(BENCHES).join('|')}> [options]\n`);
  process.exit(2);
}
await (await load()).run(args);
