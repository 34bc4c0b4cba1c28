import { closeSync, fsyncSync, openSync } from 'node:fs';
import os from 'node:os';

/** One JSON line per figure, with the machine it ran on. */
export function emit(
  bench: string,
  figure: string,
  value: number,
  unit: string,
  extra: Record<string, unknown> = {},
): void {
  process.stdout.write(
    `${JSON.stringify({ bench, figure, value: Math.round(value * 100) / 100, unit, ...extra, machine: `${os.cpus().length} cores ${os.cpus()[0]?.model ?? ''} ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}` })}\n`,
  );
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

export function argValue(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
}

/**
 * Writes a generated input file through to the disk before a timed run reads it: otherwise the
 * kernel writes its dirty pages back during the run (hundreds of MB at a million lines), and the
 * run measures the generator's I/O as well as its own (seen as a 10–25 % spread between runs).
 */
export function flushToDisk(file: string): void {
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
