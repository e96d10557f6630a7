/**
 * The local span store of `npm run dev`: every span the functions end under `serverless offline`
 * is appended as one JSON line to `.local/traces/spans.jsonl` (the dev system's store), which
 * `npm run trace` reads. `LOCAL_TRACE_FILE` names another file (tests use their own, never this one).
 *
 * Preloaded into every serverless-offline worker (lib/local/trace-preload.ts); never on AWS.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { z } from 'zod';
import { asError } from '../errors';
import { startTracing } from '../telemetry/sdk';

/** The dev system's store (the repository's git-ignored `.local`). */
const DEFAULT_SPAN_FILE = join(__dirname, '../../.local/traces/spans.jsonl');

export const spanFile = () => process.env.LOCAL_TRACE_FILE || DEFAULT_SPAN_FILE;

const attributeValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number(), z.boolean()]))]);

/** One stored span. */
const storedSpan = z.object({
  traceId: z.string(),
  spanId: z.string(),
  parentSpanId: z.string().optional(),
  name: z.string(),
  kind: z.number(),
  /** Unix epoch, milliseconds. */
  startMs: z.number(),
  durationMs: z.number(),
  attributes: z.record(z.string(), attributeValue),
  links: z.array(z.object({ traceId: z.string(), spanId: z.string() })),
  error: z.string().optional(),
  /** The function that ended the span. */
  functionName: z.string().optional(),
});
export type StoredSpan = z.infer<typeof storedSpan>;

const toMs = ([seconds, nanos]: [number, number]) => seconds * 1000 + nanos / 1e6;

function toStored(span: ReadableSpan): StoredSpan {
  return {
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    ...(span.parentSpanContext ? { parentSpanId: span.parentSpanContext.spanId } : {}),
    name: span.name,
    kind: span.kind,
    startMs: toMs(span.startTime),
    durationMs: toMs(span.duration),
    attributes: Object.fromEntries(Object.entries(span.attributes).filter(([, v]) => v !== undefined)) as StoredSpan['attributes'],
    links: span.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId })),
    ...(span.status.code === 2 ? { error: span.status.message ?? 'error' } : {}),
    ...(process.env.AWS_LAMBDA_FUNCTION_NAME ? { functionName: process.env.AWS_LAMBDA_FUNCTION_NAME } : {}),
  };
}

/** Appends ended spans to a JSON-lines file (synchronously: a worker may be stopped at any time). */
export class FileSpanExporter implements SpanExporter {
  constructor(private readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    try {
      appendFileSync(this.file, spans.map((s) => `${JSON.stringify(toStored(s))}\n`).join(''));
      done({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: asError(error) });
    }
  }

  async shutdown(): Promise<void> {}
}

/** Registers the SDK with the file exporter in this thread. */
export function startLocalTracing(file = spanFile()): void {
  startTracing(new FileSpanExporter(file));
}

/** Every span in the store (lines that do not parse are skipped: a line may be half written). */
export function readSpans(file = spanFile()): StoredSpan[] {
  if (!existsSync(file)) return [];
  const spans: StoredSpan[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      const parsed = storedSpan.safeParse(JSON.parse(line));
      if (parsed.success) spans.push(parsed.data);
    } catch {
      // a partial last line
    }
  }
  return spans;
}
