/**
 * AWS event-ruler (the engine behind Lambda's event filtering) run in a JVM on a batch of cases:
 * the oracle the local filter emulation is checked against. The jars come from Maven Central into
 * the project's jar cache on first use.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureMavenJars, jarCacheRoot } from '../../lib/local/maven';

export const EVENT_RULER_VERSION = '1.8.1';

export interface FilterCase {
  /** FilterCriteria.Filters[].Pattern strings. */
  patterns: string[];
  /** The record value, base64 as Lambda sends it; null for a record without a value. */
  value: string | null;
}

/** '1' delivered, '0' filtered out, 'E' a pattern refused. */
export type Verdict = '1' | '0' | 'E';

/** event-ruler's verdict on every case, in one JVM run. */
export function eventRulerVerdicts(cases: readonly FilterCase[]): Verdict[] {
  const libs = ensureMavenJars(
    join(jarCacheRoot(), `event-ruler-${EVENT_RULER_VERSION}`),
    [{ groupId: 'software.amazon.event.ruler', artifactId: 'event-ruler', version: EVENT_RULER_VERSION }],
    `event-ruler ${EVENT_RULER_VERSION}`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'filter-oracle-'));
  try {
    const file = join(dir, 'cases.jsonl');
    writeFileSync(file, `${cases.map((c) => JSON.stringify(c)).join('\n')}\n`);
    const out = execFileSync('java', ['-Xmx256m', '-cp', `${libs}/*`, join(__dirname, 'FilterOracle.java'), file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
    const verdicts = out.trim().split('\n');
    if (verdicts.length !== cases.length) throw new Error(`event-ruler answered ${verdicts.length} of ${cases.length} cases`);
    return verdicts.map((v) => {
      if (v !== '1' && v !== '0' && v !== 'E') throw new Error(`unexpected event-ruler verdict ${JSON.stringify(v)}`);
      return v;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
