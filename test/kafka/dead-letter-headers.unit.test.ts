import { DEAD_LETTER_HEADER, deadLetterHeaders, deadLetterReasonOf, headerPairs, originalHeaders } from '../../lib/kafka/dead-letter-headers';
import { headersAsStrings } from '../../lib/kafka/headers';

const reason = {
  error: 'Invalid order: items.0.quantity',
  errorClass: 'SchemaViolationError',
  source: { topic: 'order.placed', partition: 2, offset: 41, timestamp: 1767268800000 },
  group: 'payment-service',
  attempts: 3,
  failedAt: '2026-01-01T12:00:00.000Z',
};

describe('dead-letter headers', () => {
  test('a dead letter keeps every original header, repeats in order, and says why', () => {
    const original = { ce_id: Buffer.from('e-1'), tag: [Buffer.from('a'), Buffer.from('b')], traceparent: '00-abc-def-01' };
    const headers = deadLetterHeaders(headerPairs(original), reason);
    expect(headers.tag).toEqual([Buffer.from('a'), Buffer.from('b')]);
    expect(headers.ce_id).toEqual(Buffer.from('e-1'));
    expect(headers.traceparent).toBe('00-abc-def-01');
    expect(deadLetterReasonOf(headersAsStrings(headers))).toEqual(reason);
  });

  test('an earlier failure’s reason headers are replaced, not repeated', () => {
    const first = deadLetterHeaders(headerPairs({ ce_id: 'e-1' }), { ...reason, condition: 'RetryAttemptsExhausted', functionName: 'svc-payment' });
    const second = deadLetterHeaders(headerPairs(first), reason);
    expect(second[DEAD_LETTER_HEADER.condition]).toBeUndefined();
    expect(second[DEAD_LETTER_HEADER.functionName]).toBeUndefined();
    expect(second[DEAD_LETTER_HEADER.error]).toBe(reason.error);
    expect(Object.keys(second).filter((name) => name.startsWith('x-dlq-'))).toHaveLength(9);
  });

  test('original headers drop the reason and the names asked for', () => {
    const headers = originalHeaders(headerPairs({ 'x-redrive-group': 'a', 'x-dlq-error': 'boom', ce_id: 'e-1' }), ['x-redrive-group']);
    expect(headers).toEqual({ ce_id: 'e-1' });
  });

  test('long errors are cut; missing numbers read as -1 and missing texts as empty', () => {
    const headers = deadLetterHeaders([], { ...reason, error: 'x'.repeat(5000) });
    expect(String(headers[DEAD_LETTER_HEADER.error])).toHaveLength(2000);
    expect(deadLetterReasonOf({})).toEqual({
      error: '',
      errorClass: '',
      source: { topic: '', partition: -1, offset: -1, timestamp: 0 },
      group: '',
      attempts: 0,
    });
  });
});
