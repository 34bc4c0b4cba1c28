import { extractObservables } from '../src/core/incidents/observables.ts';
import { emit } from './figures.ts';

/** Extraction speed on dense and ordinary text, and on inputs built to trip regular expressions. */
export async function run(): Promise<void> {
  const dense =
    '恶意网址http://6688.89111.cn/m42.htm，请处理 hxxp://evil[.]example[.]com/a 1.2.3[.]4 user[@]example[.]cn ' +
    '2001:db8::1 d41d8cd98f00b204e9800998ecf8427e session.exe 网站example。com被篡改 ';
  const prose =
    '2007年上半年，CNCERT/CC接收的网络仿冒事件和网页恶意代码事件数量明显增加，各省分中心积极参与处理。 ';
  const cases: [string, string][] = [
    ['dense_1mb', dense.repeat(Math.ceil(1_000_000 / dense.length))],
    ['prose_1mb', prose.repeat(Math.ceil(1_000_000 / prose.length))],
    ['labels_1mb', 'a.'.repeat(500_000)],
    ['schemes_1mb', 'http://'.repeat(150_000)],
  ];
  for (const [name, text] of cases) {
    extractObservables(text.slice(0, 10_000));
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      extractObservables(text);
      runs.push(performance.now() - t0);
    }
    runs.sort((a, b) => a - b);
    emit('observables', `extract_${name}_median`, runs[2]!, 'ms', { bytes: Buffer.byteLength(text) });
  }
}
