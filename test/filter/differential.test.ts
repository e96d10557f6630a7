/**
 * The local filter emulation against AWS's own engine: event-ruler (Maven Central) decides 12,000
 * generated pattern/record cases in one JVM run, and the local matcher must give the same verdict
 * on every one (delivered, filtered out, or pattern refused). Seeded, so a failure reproduces.
 */
import { kafkaRecordFilter } from '../../lib/local/filter/kafka-record';
import { FilterPatternError } from '../../lib/local/filter/rule';
import { eventRulerVerdicts, type Verdict } from '../support/event-ruler';
import { type GeneratedCase, generateCases, type Operator } from './generate';

const CASES = 12_000;
const SEED = 17;

function localVerdict(c: GeneratedCase): Verdict {
  let filter: ReturnType<typeof kafkaRecordFilter>;
  try {
    filter = kafkaRecordFilter(c.patterns);
  } catch (error) {
    if (error instanceof FilterPatternError) return 'E';
    throw error;
  }
  return filter.matches(c.value === null ? null : Buffer.from(c.value, 'base64')) ? '1' : '0';
}

describe('Kafka event filtering: local matcher vs AWS event-ruler', () => {
  const cases = generateCases(CASES, SEED);
  let oracle: Verdict[];

  beforeAll(() => {
    oracle = eventRulerVerdicts(cases);
  }, 180_000);

  it(`agrees with event-ruler on all ${CASES} generated cases`, () => {
    const disagreements = cases
      .map((c, i) => ({
        i,
        patterns: c.patterns,
        value: c.value === null ? null : Buffer.from(c.value, 'base64').toString('utf8'),
        eventRuler: oracle[i],
        local: localVerdict(c),
      }))
      .filter((d) => d.eventRuler !== d.local);
    expect(disagreements.slice(0, 10)).toEqual([]);
    expect(disagreements).toHaveLength(0);
  });

  it('covers every operator, each both delivering and filtering out records', () => {
    const seen = new Map<Operator, Set<Verdict>>();
    cases.forEach((c, i) => {
      for (const op of c.operators) {
        const verdicts = seen.get(op) ?? new Set<Verdict>();
        verdicts.add(oracle[i] as Verdict);
        seen.set(op, verdicts);
      }
    });
    const operators: Operator[] = [
      ...(['equals-string', 'equals-number', 'equals-literal', 'empty', 'exactly', 'prefix', 'prefix-ignore-case', 'suffix'] as const),
      ...(['suffix-ignore-case', 'equals-ignore-case', 'wildcard', 'anything-but', 'anything-but-number', 'anything-but-prefix'] as const),
      ...(['anything-but-suffix', 'anything-but-ignore-case', 'anything-but-wildcard', 'numeric-equals', 'numeric-range'] as const),
      ...(['exists', 'not-exists', 'or', 'value-leaf', 'several-filters'] as const),
    ];
    for (const op of operators) {
      expect({ op, verdicts: [...(seen.get(op) ?? [])].filter((v) => v !== 'E').sort() }).toEqual({ op, verdicts: ['0', '1'] });
    }
    // Plain-string, JSON-scalar and absent values are all in the mix, and most patterns compile.
    const delivered = oracle.filter((v) => v === '1').length;
    const refused = oracle.filter((v) => v === 'E').length;
    expect(delivered).toBeGreaterThan(CASES / 10);
    expect(refused).toBeLessThan(CASES / 10);
    expect(cases.filter((c) => c.value === null).length).toBeGreaterThan(100);
  });
});
