/**
 * The waterfall `npm run trace` prints: one trace's spans as a tree (children under their parent,
 * in start order), each with its offset from the trace's start, its duration, and what it did on
 * Kafka (group, partition, offset, outcome).
 *
 * @example
 * console.log(waterfall(spans.filter((s) => s.traceId === id)));
 */
import type { StoredSpan } from './span-store';

function details(span: StoredSpan): string {
  const a = span.attributes;
  const parts: string[] = [];
  if (a['messaging.consumer.group.name'] !== undefined) parts.push(String(a['messaging.consumer.group.name']));
  if (a['messaging.destination.partition.id'] !== undefined) parts.push(`partition ${a['messaging.destination.partition.id']}`);
  if (a['messaging.kafka.offset'] !== undefined) parts.push(`offset ${a['messaging.kafka.offset']}`);
  if (a['http.response.status_code'] !== undefined) parts.push(`HTTP ${a['http.response.status_code']}`);
  if (a['kafka_lambda.outcome'] !== undefined) parts.push(String(a['kafka_lambda.outcome']));
  if (span.error) parts.push(`error: ${span.error}`);
  return parts.join('  ');
}

/** The trace's spans as printable lines (empty string when there are none). */
export function waterfall(spans: readonly StoredSpan[]): string {
  if (spans.length === 0) return '';
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string | undefined, StoredSpan[]>();
  for (const span of spans) {
    // A parent outside the store (the caller's own span) makes this span a root here.
    const parent = span.parentSpanId && ids.has(span.parentSpanId) ? span.parentSpanId : undefined;
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  for (const list of children.values()) list.sort((a, b) => a.startMs - b.startMs);
  const start = Math.min(...spans.map((s) => s.startMs));
  const lines = [`trace ${spans[0]?.traceId}  ${spans.length} spans, started ${new Date(start).toISOString()}`];
  const walk = (parent: string | undefined, depth: number) => {
    for (const span of children.get(parent) ?? []) {
      const offset = `+${(span.startMs - start).toFixed(1)} ms`.padStart(12);
      const duration = `${span.durationMs.toFixed(1)} ms`.padStart(10);
      const name = `${'  '.repeat(depth)}${span.name}`.padEnd(36);
      lines.push(`${offset} ${duration}  ${name} ${(span.functionName ?? '').padEnd(38)} ${details(span)}`.trimEnd());
      walk(span.spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines.join('\n');
}
