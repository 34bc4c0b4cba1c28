/**
 * Lookup in sorted, disjoint IPv4 ranges (`starts[i]..ends[i]`, unsigned 32-bit). A first-level
 * table by the top 16 bits of the address narrows the binary search to the few ranges starting in
 * that /16 (plus the one before), so a lookup touches a handful of cache lines instead of ~20.
 */
export interface RangeFinder {
  /** Index of the range holding `ip`, or -1. */
  find(ip: number): number;
}

export function createRangeFinder(starts: Uint32Array, ends: Uint32Array): RangeFinder {
  const n = starts.length;
  // first[p] = index of the first range starting at or after p·2¹⁶ (n when none); first[65536] = n.
  const first = new Uint32Array(65_537);
  let i = 0;
  for (let p = 0; p <= 65_536; p++) {
    const bound = p * 65_536;
    while (i < n && starts[i]! < bound) i++;
    first[p] = i;
  }
  return {
    find(ip) {
      const p = ip >>> 16;
      // Candidates: ranges starting inside this /16, and the last one starting before it.
      let lo = first[p]!;
      if (lo > 0) lo--;
      let hi = first[p + 1]! - 1;
      // Last range with start ≤ ip.
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if (starts[mid]! <= ip) {
          found = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      return found !== -1 && ends[found]! >= ip ? found : -1;
    },
  };
}

/** Sorted disjoint ranges, each with a value (e.g. an organisation id). */
export interface ValuedRanges {
  starts: Uint32Array;
  ends: Uint32Array;
  values: Uint32Array;
}

/**
 * Flattens IPv4 networks (CIDRs: any two are nested or disjoint) into disjoint ranges where each
 * address carries the value of the most specific network covering it (longest prefix wins); of two
 * identical networks the first listed wins. Adjacent ranges with the same value are merged.
 */
export function flattenNetworks(
  nets: readonly { start: number; end: number; value: number }[],
): ValuedRanges {
  // By start, then widest first, keeping the given order on ties (Array.prototype.sort is stable).
  const sorted = [...nets].sort((a, b) => a.start - b.start || b.end - a.end);
  const starts: number[] = [];
  const ends: number[] = [];
  const values: number[] = [];
  const emit = (s: number, e: number, v: number) => {
    if (s > e) return;
    const n = starts.length;
    if (n > 0 && values[n - 1] === v && ends[n - 1] === s - 1) ends[n - 1] = e;
    else {
      starts.push(s);
      ends.push(e);
      values.push(v);
    }
  };
  const stack: { start: number; end: number; value: number }[] = [];
  let cur = 0; // first address not yet emitted
  for (const net of sorted) {
    // Networks that end before this one starts are finished: emit what is left of them.
    while (stack.length > 0 && stack[stack.length - 1]!.end < net.start) {
      const top = stack.pop()!;
      emit(cur, top.end, top.value);
      cur = Math.max(cur, top.end + 1);
    }
    const top = stack[stack.length - 1];
    if (top && top.start === net.start && top.end === net.end) continue; // duplicate: first wins
    if (top) emit(cur, net.start - 1, top.value);
    cur = Math.max(cur, net.start);
    stack.push(net);
  }
  while (stack.length > 0) {
    const top = stack.pop()!;
    emit(cur, top.end, top.value);
    cur = Math.max(cur, top.end + 1);
  }
  return { starts: Uint32Array.from(starts), ends: Uint32Array.from(ends), values: Uint32Array.from(values) };
}

/**
 * Overlays two sets of sorted disjoint ranges: each address takes `a`'s value where `a` has one
 * that `useA` accepts, else `b`'s value (offset by `bOffset` so both value spaces fit in one
 * array), else none. Adjacent ranges with the same value are merged.
 */
export function overlayRanges(
  a: ValuedRanges,
  useA: (value: number) => boolean,
  b: ValuedRanges,
  bOffset: number,
): ValuedRanges {
  // Every output range starts at a boundary of a or b: 2·(nA + nB) bounds the count.
  const cap = 2 * (a.starts.length + b.starts.length) + 1;
  const starts = new Uint32Array(cap);
  const ends = new Uint32Array(cap);
  const values = new Uint32Array(cap);
  let n = 0;
  const emit = (s: number, e: number, v: number) => {
    if (n > 0 && values[n - 1] === v && ends[n - 1] === s - 1) ends[n - 1] = e;
    else {
      starts[n] = s;
      ends[n] = e;
      values[n] = v;
      n++;
    }
  };
  const MAX = 0xffffffff;
  const nA = a.starts.length;
  const nB = b.starts.length;
  let i = 0;
  let j = 0;
  let pos = 0;
  while (pos <= MAX) {
    while (i < nA && a.ends[i]! < pos) i++;
    while (j < nB && b.ends[j]! < pos) j++;
    if (i >= nA && j >= nB) break;
    const inA = i < nA && a.starts[i]! <= pos;
    const inB = j < nB && b.starts[j]! <= pos;
    let end = MAX;
    if (i < nA) end = Math.min(end, inA ? a.ends[i]! : a.starts[i]! - 1);
    if (j < nB) end = Math.min(end, inB ? b.ends[j]! : b.starts[j]! - 1);
    if (inA && useA(a.values[i]!)) emit(pos, end, a.values[i]!);
    else if (inB) emit(pos, end, b.values[j]! + bOffset);
    pos = end + 1;
  }
  return { starts: starts.slice(0, n), ends: ends.slice(0, n), values: values.slice(0, n) };
}
