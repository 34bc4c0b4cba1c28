import { describe, expect, it } from 'vitest';
import { findRange } from './geo-data.ts';
import { maskIpv4 } from './ip.ts';
import { createRangeFinder, flattenNetworks, overlayRanges, type ValuedRanges } from './ranges.ts';

describe('range finder', () => {
  it('finds the same range as a plain binary search, across /16 boundaries and gaps', () => {
    // Random disjoint ranges: some tiny, some spanning many /16s, with gaps between.
    let x = 99;
    const rnd = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
    const starts: number[] = [];
    const ends: number[] = [];
    let at = 5;
    while (at < 0xfff00000) {
      const len = rnd() % 4 === 0 ? rnd() % 0x400000 : rnd() % 600;
      starts.push(at);
      ends.push(at + len);
      at += len + 1 + (rnd() % 3 === 0 ? rnd() % 0x100000 : 0);
    }
    starts.push(0xffffff00);
    ends.push(0xffffffff);
    const s = Uint32Array.from(starts);
    const e = Uint32Array.from(ends);
    const f = createRangeFinder(s, e);
    const probes = [
      0,
      4,
      5,
      0xffffffff,
      0xfffffeff,
      ...starts,
      ...ends,
      ...starts.map((v) => v - 1),
      ...ends.map((v) => v + 1),
    ];
    for (let i = 0; i < 20_000; i++) probes.push(rnd());
    for (const ip of probes) {
      const v = ip >>> 0;
      expect(f.find(v)).toBe(findRange(s, e, v));
    }
  });

  it('works on an empty table', () => {
    expect(createRangeFinder(new Uint32Array(0), new Uint32Array(0)).find(123)).toBe(-1);
  });
});

describe('flattenNetworks', () => {
  it('gives every address the most specific covering network, as a brute-force search does', () => {
    let x = 7;
    const rnd = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
    for (let round = 0; round < 5; round++) {
      // Nested networks around a few hot spots, plus duplicates and the whole space.
      const nets: { start: number; end: number; value: number; bits: number }[] = [];
      const push = (addr: number, bits: number, value: number) => {
        const start = maskIpv4(addr, bits);
        nets.push({ start, end: start + 2 ** (32 - bits) - 1, value, bits });
      };
      if (round === 0) push(0, 0, 999);
      for (let i = 0; i < 300; i++) {
        const hot = [0x0a000000, 0xca608000, 0xffffff00, 0x00000000][i % 4]!;
        push((hot + (rnd() % 0x40000)) >>> 0, 8 + (rnd() % 25), 1 + (rnd() % 40));
      }
      push(nets[5]!.start, nets[5]!.bits, 777); // the same network again: the first listed wins
      const flat = flattenNetworks(nets);
      const f = createRangeFinder(flat.starts, flat.ends);
      for (let i = 1; i < flat.starts.length; i++) expect(flat.starts[i]!).toBeGreaterThan(flat.ends[i - 1]!);
      const brute = (ip: number) => {
        let best: (typeof nets)[number] | null = null;
        for (const n of nets)
          if (n.start <= ip && ip <= n.end && (best === null || n.bits > best.bits)) best = n;
        return best === null ? null : best.value;
      };
      const probes: number[] = [0, 0xffffffff];
      for (const n of nets) probes.push(n.start, n.end, (n.start - 1) >>> 0, (n.end + 1) >>> 0);
      for (let i = 0; i < 2000; i++)
        probes.push((nets[i % nets.length]!.start + (rnd() % 0x1000)) >>> 0, rnd());
      for (const ip of probes) {
        const k = f.find(ip);
        expect(k === -1 ? null : flat.values[k]).toBe(brute(ip));
      }
    }
  });
});

describe('overlayRanges', () => {
  it('takes the first set where it has an accepted value, else the second', () => {
    let x = 3;
    const rnd = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
    const make = (count: number, maxLen: number, values: number): ValuedRanges => {
      const starts: number[] = [];
      const ends: number[] = [];
      const vals: number[] = [];
      let at = rnd() % 1000;
      while (starts.length < count && at < 0xfff00000) {
        const len = rnd() % maxLen;
        starts.push(at);
        ends.push(at + len);
        vals.push(rnd() % values);
        at += len + 1 + (rnd() % 2 === 0 ? 0 : rnd() % maxLen);
      }
      return {
        starts: Uint32Array.from(starts),
        ends: Uint32Array.from(ends),
        values: Uint32Array.from(vals),
      };
    };
    const a = make(3000, 0x100000, 6);
    const b = make(2000, 0x200000, 4);
    b.ends[b.ends.length - 1] = 0xffffffff; // a range reaching the last address
    const useA = (v: number) => v % 2 === 0; // odd values of `a` stand for "no answer here"
    const o = overlayRanges(a, useA, b, 100);
    const fa = createRangeFinder(a.starts, a.ends);
    const fb = createRangeFinder(b.starts, b.ends);
    const fo = createRangeFinder(o.starts, o.ends);
    const expected = (ip: number) => {
      const i = fa.find(ip);
      if (i !== -1 && useA(a.values[i]!)) return a.values[i]!;
      const j = fb.find(ip);
      return j === -1 ? null : b.values[j]! + 100;
    };
    const probes = [0, 0xffffffff];
    for (const r of [a, b])
      for (let k = 0; k < r.starts.length; k++)
        probes.push(r.starts[k]!, r.ends[k]!, (r.starts[k]! - 1) >>> 0, (r.ends[k]! + 1) >>> 0);
    for (let k = 0; k < 20_000; k++) probes.push(rnd());
    for (const ip of probes) {
      const k = fo.find(ip);
      expect(k === -1 ? null : o.values[k]).toBe(expected(ip));
    }
    for (let k = 1; k < o.starts.length; k++) {
      expect(o.starts[k]!).toBeGreaterThan(o.ends[k - 1]!);
      // merged: neighbours that touch have different values
      if (o.starts[k] === o.ends[k - 1]! + 1) expect(o.values[k]).not.toBe(o.values[k - 1]);
    }
  });
});
