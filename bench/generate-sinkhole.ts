import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { loadOfflineData } from '../src/pipeline/experts/index.ts';
import { findRange } from '../src/pipeline/experts/geo-data.ts';
import { formatIpv4 } from '../src/pipeline/experts/ip.ts';

/**
 * A Shadowserver-style event4 sinkhole CSV (the columns of the corpus file), streamed to disk:
 * infected sources drawn from real routed IPv4 ranges (a share in mainland China as ip2region
 * places them, the rest foreign), talking to a smaller pool of sinkholed C&C addresses, so bots
 * repeat within the day as they do in real sinkhole reports (dedup merges them). Lines are in
 * timestamp order, as Shadowserver's are.
 */

const HEADER =
  '"timestamp","protocol","src_ip","src_port","src_asn","src_geo","src_region","src_city","src_hostname","src_naics","src_sector","device_vendor","device_type","device_model","dst_ip","dst_port","dst_asn","dst_geo","dst_region","dst_city","dst_hostname","dst_naics","dst_sector","public_source","infection","family","tag","application","version","event_id"';

const FAMILIES = [
  'conficker',
  'virut',
  'gh0st',
  'zeus',
  'necurs',
  'mirai',
  'ramnit',
  'sality',
  'andromeda',
  'pcshare',
];
const PORTS = [80, 443, 8080, 8000, 6667, 53, 4455, 1604];

export interface SinkholeOptions {
  lines: number;
  /** Distinct infected addresses (default lines / 4). */
  bots?: number;
  /** Distinct sinkhole/C&C addresses (default 2,000). */
  c2?: number;
  mainlandShare?: number;
  seed?: number;
  day?: string;
}

export async function writeSinkholeCsv(files: string[], options: SinkholeOptions): Promise<void> {
  let seed = (options.seed ?? 20070701) >>> 0;
  const random = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 4294967296;
  };
  const data = await loadOfflineData();
  const { starts, ends } = data.asn.v4;
  const ip2 = data.geo.v4;
  const mainland: number[] = [];
  const foreign: number[] = [];
  for (let i = 0; i < starts.length; i++) {
    const r = findRange(ip2.starts, ip2.ends, starts[i]!);
    const place = r === -1 ? null : ip2.places[ip2.placeOf[r]!]!;
    const isMainland = place?.country === '中国' && !/^(台湾|香港|澳门)/.test(place.province);
    (isMainland ? mainland : foreign).push(i);
  }
  const share = options.mainlandShare ?? 0.7;
  const draw = (pool: number[]) => {
    const i = pool[Math.floor(random() * pool.length)]!;
    return formatIpv4(starts[i]! + Math.floor(random() * (ends[i]! - starts[i]! + 1)));
  };
  const bots = Array.from({ length: options.bots ?? Math.max(1, Math.floor(options.lines / 4)) }, () =>
    draw(random() < share ? mainland : foreign),
  );
  const c2 = Array.from({ length: options.c2 ?? 2000 }, () => ({
    ip: draw(random() < 0.15 ? mainland : foreign),
    port: PORTS[Math.floor(random() * PORTS.length)]!,
    family: FAMILIES[Math.floor(random() * FAMILIES.length)]!,
  }));
  const day = options.day ?? '2026-11-01';
  const perFile = Math.ceil(options.lines / files.length);
  let written = 0;
  for (const file of files) {
    const out = createWriteStream(file, { highWaterMark: 1 << 20 });
    out.write(`${HEADER}\n`);
    const n = Math.min(perFile, options.lines - written);
    let buf = '';
    for (let k = 0; k < n; k++) {
      const b = Math.floor(random() * bots.length);
      const c = c2[b % c2.length]!;
      // Shadowserver files are in timestamp order: the day spread evenly over the file's lines
      const s = Math.min(86_399, Math.floor(((written + k) * 86_400) / options.lines));
      const time = `${day} ${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
      buf += `"${time}","tcp","${bots[b]}",${1024 + Math.floor(random() * 60000)},,,,,,,,,,,"${c.ip}",${c.port},,,,,,,,"bench","${c.family}","${c.family}",,,,\n`;
      if (buf.length > 1 << 20) {
        if (!out.write(buf)) await once(out, 'drain');
        buf = '';
      }
    }
    written += n;
    out.end(buf);
    await once(out, 'finish');
  }
}
