import { getParser } from '../src/pipeline/parsers/index.ts';
import { argValue, emit } from './figures.ts';

/**
 * Shadowserver parser speed: N synthetic event4 sinkhole lines (the 30-column layout of the
 * 1,000,000-line pipeline benchmark) generated in memory, fed in 64 KiB chunks as a file would be,
 * parsed into events. `npm run bench -- parsers --lines 200000`.
 */
const HEADER =
  '"timestamp","protocol","src_ip","src_port","src_asn","src_geo","src_region","src_city","src_hostname","src_naics","src_sector","device_vendor","device_type","device_model","dst_ip","dst_port","dst_asn","dst_geo","dst_region","dst_city","dst_hostname","dst_naics","dst_sector","public_source","infection","family","tag","application","version","event_id"\n';
const FAMILIES = ['andromeda', 'virut', 'conficker', 'necurs', 'ramnit', 'gamut', 'mirai', 'victorygate.b'];

function makeChunks(lines: number): Buffer[] {
  const chunks: Buffer[] = [];
  let parts: string[] = [HEADER];
  let size = HEADER.length;
  for (let i = 0; i < lines; i++) {
    const family = FAMILIES[i % FAMILIES.length]!;
    const line = `"2026-03-04 ${String((i >> 12) % 24).padStart(2, '0')}:${String((i >> 6) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}","tcp","${36 + (i % 90)}.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}",${1024 + (i % 60000)},${4134 + (i % 50)},"CN","GUANGDONG","GUANGZHOU",,,,,,,"178.162.${(i >> 8) & 255}.${i & 255}",${i % 7 === 0 ? 443 : 80},28753,"DE","HESSEN","FRANKFURT AM MAIN",,518210,"Communications, Service Provider, and Hosting Service",,"${family}","${family}",,,,\n`;
    parts.push(line);
    size += line.length;
    if (size >= 65536) {
      chunks.push(Buffer.from(parts.join('')));
      parts = [];
      size = 0;
    }
  }
  if (parts.length > 0) chunks.push(Buffer.from(parts.join('')));
  return chunks;
}

async function* stream(chunks: Buffer[]): AsyncGenerator<Buffer> {
  for (const c of chunks) yield c;
}

export async function run(args: string[]): Promise<void> {
  const lines = Number(argValue(args, 'lines', '200000'));
  const chunks = makeChunks(lines);
  const bytes = chunks.reduce((n, c) => n + c.length, 0);
  const parser = getParser('shadowserver');
  const ctx = {
    feedName: 'bench',
    fileName: '2026-03-04-event4_sinkhole-cn-geo.csv',
    reportTime: new Date().toISOString(),
    options: {},
  };
  let best = Infinity;
  let bestCpu = Infinity;
  for (let round = 0; round < 3; round++) {
    let events = 0;
    let errors = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for await (const batch of parser.parse(stream(chunks), ctx))
      for (const o of batch) {
        if (o.ok) events++;
        else errors++;
      }
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    bestCpu = Math.min(bestCpu, (cpu.user + cpu.system) / 1000);
    if (events !== lines || errors !== 0)
      throw new Error(`expected ${lines} events, got ${events} (${errors} errors)`);
    best = Math.min(best, ms);
  }
  emit('parsers', 'shadowserver_event4_sinkhole_lines_per_s', (lines / best) * 1000, 'lines/s', {
    lines,
    bytes,
    best_ms: Math.round(best),
    // CPU time of the process (includes GC threads): less sensitive to other load on the machine
    lines_per_cpu_s: Math.round((lines / bestCpu) * 1000),
    rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
  });
}
