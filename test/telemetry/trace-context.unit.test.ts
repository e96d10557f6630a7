/** W3C Trace Context in and out (lib/telemetry/trace.ts), without an SDK (but the last test): the trace is carried on unchanged. */
import { createContextKey, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { startTracing } from '../../lib/telemetry/sdk';
import { activeTraceId, contextFromHeaders, deferredContext, parseTraceparent, runWithContext, spansRecorded, traceHeaders } from '../../lib/telemetry/trace';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

it('reads a traceparent and writes it back, with its tracestate and sampled flag', () => {
  const ctx = contextFromHeaders({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, tracestate: 'congo=t61rcWkgMzE' });
  expect(traceHeaders(ctx)).toEqual({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, tracestate: 'congo=t61rcWkgMzE' });
  expect(traceHeaders(contextFromHeaders({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-00` }))).toEqual({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-00` });
});

it.each([
  ['no header', undefined],
  ['garbage', 'hello'],
  ['all-zero trace id', `00-${'0'.repeat(32)}-${SPAN_ID}-01`],
  ['all-zero span id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
  ['version ff', `ff-${TRACE_ID}-${SPAN_ID}-01`],
  ['version 00 with extra fields', `00-${TRACE_ID}-${SPAN_ID}-01-extra`],
])('ignores %s', (_, traceparent) => {
  expect(parseTraceparent(traceparent)).toBeUndefined();
  expect(traceHeaders(contextFromHeaders({ traceparent }))).toEqual({});
});

it('accepts a future version with extra fields, keeping what version 00 defines', () => {
  expect(parseTraceparent(`01-${TRACE_ID}-${SPAN_ID}-01-more`)).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, isRemote: true });
});

it('makes the context active across awaits even without a registered context manager', async () => {
  const ctx = trace.setSpanContext(ROOT_CONTEXT, parseTraceparent(`00-${TRACE_ID}-${SPAN_ID}-01`) as never);
  const seen = await runWithContext(ctx, async () => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    return activeTraceId();
  });
  expect(seen).toBe(TRACE_ID);
  expect(activeTraceId()).toBeUndefined();
});

it('a deferred context is made once, when first read, and behaves as the context it makes', () => {
  const make = jest.fn(() => contextFromHeaders({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` }));
  const ctx = deferredContext(make);
  expect(make).not.toHaveBeenCalled();
  expect(runWithContext(ctx, activeTraceId)).toBe(TRACE_ID);
  expect(traceHeaders(ctx)).toEqual({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` });
  const key = createContextKey('test');
  expect(ctx.setValue(key, 1).getValue(key)).toBe(1);
  expect(trace.getSpanContext(ctx.deleteValue(key))?.traceId).toBe(TRACE_ID);
  expect(make).toHaveBeenCalledTimes(1);
});

it('spans record only while an SDK is registered', async () => {
  expect(spansRecorded()).toBe(false);
  const tracing = startTracing(new InMemorySpanExporter());
  expect(spansRecorded()).toBe(true);
  await tracing.shutdown();
  expect(spansRecorded()).toBe(false);
});
