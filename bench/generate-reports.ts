import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** A small deterministic PRNG, so two runs measure the same data. */
export function createRandom(seed = 2007): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed report's §3.1 category mix (645 phishing, 452 spam, 360 web malicious code, …). */
const CATEGORY_WEIGHTS: [string, number][] = [
  ['phishing', 645],
  ['spam', 452],
  ['web-malicious-code', 360],
  ['vulnerability', 186],
  ['virus-worm-trojan', 157],
  ['dos', 13],
  ['defacement', 40],
  ['scanning', 300],
  ['other', 20],
];
const BRANCHES = [
  'CN-XJ',
  'CN-BJ',
  'CN-SH',
  'CN-GD',
  'CN-SX',
  'CN-JS',
  'CN-ZJ',
  'CN-SD',
  'CN-FJ',
  'CN-HA',
  'CN-HN',
  'CN-SC',
  'CN-LN',
  'CN-HE',
  'CN-AH',
  'CN-CQ',
];
const STATES: [string, number][] = [
  ['resolved', 70],
  ['new', 8],
  ['triaged', 5],
  ['assigned', 7],
  ['in_progress', 7],
  ['rejected', 3],
];
const TEXTS = [
  '仿冒网站 hxxp://secure-{n}.bank-login[.]example[.]com/verify 请处理，IP {ip}',
  '网页被挂马，跳转到 http://{n}.malware-host.cn/m42.htm ，来源 {ip}',
  'Phishing site impersonating PNC bank at http://pnc-{n}.example.net/login hosted on {ip}',
  'spam relay {ip} sending 50,000 messages/hour, sample attached',
  '熊猫烧香 (Nimaya) infected host {ip} contacting update server',
  'DDoS against customer portal from {ip}, peak 1G, lasting 3 days',
  '政府网站 www.gov{n}.gov.cn 被篡改，篡改者留名',
];

function pick<T>(r: () => number, weighted: [T, number][]): T {
  const total = weighted.reduce((a, [, w]) => a + w, 0);
  let x = r() * total;
  for (const [v, w] of weighted) {
    x -= w;
    if (x < 0) return v;
  }
  return weighted[weighted.length - 1]![0];
}

/** Writes `count` JSON Lines in the `certops import reports` format (docs/import-reports.md). */
export async function writeReportsJsonl(file: string, count: number, seed = 2007): Promise<void> {
  const r = createRandom(seed);
  const out = createWriteStream(file);
  const start = Date.UTC(2007, 0, 1) - 8 * 3600_000;
  const span = 181 * 86_400_000;
  let buf = '';
  for (let i = 0; i < count; i++) {
    const received = start + Math.floor(r() * span);
    const state = pick(r, STATES);
    const ip = `${58 + Math.floor(r() * 160)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`;
    const text = TEXTS[Math.floor(r() * TEXTS.length)]!.replace('{n}', String(i % 50_000)).replace(
      '{ip}',
      ip,
    );
    const rec: Record<string, unknown> = {
      external_id: `OLD-${i + 1}`,
      received_at: new Date(received).toISOString(),
      channel: r() < 0.6 ? 'email' : r() < 0.5 ? 'web' : 'phone',
      reporter_type: r() < 0.3 ? 'cert' : 'individual',
      reporter_email: `reporter${i % 5000}@example.org`,
      category: pick(r, CATEGORY_WEIGHTS),
      description: text,
      state,
      branch: BRANCHES[Math.floor(r() * BRANCHES.length)],
      severity: r() < 0.1 ? 'high' : 'medium',
    };
    if (state === 'resolved' || state === 'rejected') {
      rec.resolved_at = new Date(received + Math.floor(r() * 10 * 86_400_000)).toISOString();
      if (state === 'resolved' && r() < 0.5) {
        rec.action_kind = 'contact_isp';
        rec.action_branch = BRANCHES[Math.floor(r() * BRANCHES.length)];
      }
    }
    buf += `${JSON.stringify(rec)}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}
