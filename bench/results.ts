/**
 * Benchmark results: each benchmark records its rows under its own section of
 * bench/results.json and prints them as a table. Figures are always measured side by side with
 * their baseline in the same run, so ratios hold on any machine.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** What the figure is compared with, in the same run. */
  baseline?: { name: string; value: number };
  /** The target, stated as text (e.g. ">= 0.7 x baseline"), and whether it is met. */
  target?: string;
  met?: boolean;
}

export const RESULTS_FILE = join(__dirname, 'results.json');

/** Replaces `section` in bench/results.json with `rows` and prints them. */
export function recordResults(section: string, rows: BenchRow[], notes: Record<string, unknown> = {}): void {
  const all = existsSync(RESULTS_FILE) ? (JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as Record<string, unknown>) : {};
  all[section] = { measuredAt: new Date().toISOString(), machine: machine(), rows, ...notes };
  writeFileSync(RESULTS_FILE, `${JSON.stringify(all, null, 2)}\n`);
  console.log(`\n${section}`);
  console.table(
    rows.map((r) => ({
      measure: r.name,
      value: `${round(r.value)} ${r.unit}`,
      baseline: r.baseline ? `${round(r.baseline.value)} (${r.baseline.name})` : '',
      ratio: r.baseline?.value ? round(r.value / r.baseline.value) : '',
      target: r.target ?? '',
      met: r.met === undefined ? '' : r.met ? 'yes' : 'NO',
    })),
  );
}

/** Replaces `section` in bench/results.json with a free-form record (benchmarks whose figures are not rows). */
export function recordSection(section: string, value: Record<string, unknown>): void {
  const all = existsSync(RESULTS_FILE) ? (JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as Record<string, unknown>) : {};
  all[section] = value;
  writeFileSync(RESULTS_FILE, `${JSON.stringify(all, null, 2)}\n`);
  console.log(JSON.stringify(value, null, 2));
}

function round(n: number): number {
  return Math.abs(n) >= 100 ? Math.round(n) : Math.round(n * 100) / 100;
}

function machine(): string {
  return `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`;
}
