/**
 * Lambda's event filtering for Kafka event sources (MSK and self-managed), applied to a record
 * before it is batched:
 *
 * - "Amazon MSK and self-managed Apache Kafka event source mappings only support filtering on the
 *   value key" (https://docs.aws.amazon.com/lambda/latest/dg/kafka-filtering.html): a pattern may
 *   only name `value`, anything else is refused when the mapping is read (as Lambda refuses it).
 * - The record's base64 `value` is decoded (UTF-8); when it is valid JSON the pattern sees the parsed
 *   JSON (`{"value": {"type": ["search"]}}`), otherwise the plain string
 *   (`{"value": [{"anything-but": ["error"]}]}`, the page's plain-string example). So a pattern on a
 *   field of the value never matches a plain-string record, and a pattern on the whole value never
 *   matches a JSON object (the same mismatch rule as the SQS body table of invocation-eventfiltering.html).
 * - UNVERIFIED (the docs are silent): a record without a value (tombstone) is an event without
 *   `value`, so only `{"exists": false}` can match it.
 * - Filters are ORed: a record is delivered when it matches at least one, otherwise it is skipped
 *   and its offset committed without an invocation (invocation-eventfiltering.html).
 */
import { type JsonNode, parseJson } from './json';
import { type FlatEvent, flatten, matchesAny, wantedPaths } from './match';
import { compilePattern, FilterPatternError, type SubRule } from './rule';

/** The fields a Kafka filter pattern may name. */
const FILTERABLE = 'value';

export interface KafkaRecordFilter {
  /** The patterns, as deployed in FilterCriteria.Filters[].Pattern. */
  readonly patterns: readonly string[];
  /** Whether Lambda would deliver a record with this value (its bytes, which Lambda sends base64-encoded; null: none). */
  matches(value: Uint8Array | null | undefined): boolean;
}

/** Compiles FilterCriteria patterns; throws FilterPatternError naming the bad pattern. */
export function kafkaRecordFilter(patterns: readonly string[]): KafkaRecordFilter {
  const compiled: SubRule[][] = patterns.map((pattern, index) => {
    let rules: SubRule[];
    try {
      rules = compilePattern(pattern);
    } catch (error) {
      if (error instanceof FilterPatternError) throw new FilterPatternError(`filter ${index + 1} (${pattern}): ${error.message}`);
      throw error;
    }
    for (const rule of rules) {
      for (const path of rule.keys()) {
        if (path !== FILTERABLE && !path.startsWith(`${FILTERABLE}.`)) {
          throw new FilterPatternError(`filter ${index + 1} (${pattern}): Kafka event source mappings only support filtering on the value key, not "${path}"`);
        }
      }
    }
    return rules;
  });
  const wanted = wantedPaths(compiled.flat());
  return {
    patterns,
    matches: (value) => {
      const event = kafkaFilterEvent(value, wanted);
      return compiled.some((rules) => matchesAny(rules, event));
    },
  };
}

/** The event a Kafka record's filters are matched against: `{ "value": <JSON or string> }`, its `wanted` paths only. */
function kafkaFilterEvent(value: Uint8Array | null | undefined, wanted: ReadonlySet<string>): FlatEvent {
  if (value === null || value === undefined) return flatten({ kind: 'object', members: [] }, wanted);
  return flatten({ kind: 'object', members: [[FILTERABLE, decodedValue(value)]] }, wanted);
}

function decodedValue(value: Uint8Array): JsonNode {
  const text = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  try {
    return parseJson(text);
  } catch {
    return { kind: 'string', value: text };
  }
}
