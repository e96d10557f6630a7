/**
 * Record headers in CloudEvents' Kafka binary mode: the value is the event data, the attributes
 * travel as `ce_*` headers. Every record we publish carries an id, a type, a source and a time.
 */
import type { IHeaders } from 'kafkajs';

export interface EventAttributes {
  /** Unique event id: the idempotency key of every consumer. */
  id: string;
  type: string;
  source: string;
  /** RFC 3339 time the event happened. */
  time: string;
}

export const HEADER = {
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  time: 'ce_time',
  specVersion: 'ce_specversion',
  contentType: 'content-type',
  /** Set on a redriven dead letter: only this consumer group processes the record. */
  redriveGroup: 'x-redrive-group',
} as const;

/** Headers for a record in CloudEvents binary mode. */
export function eventHeaders(attributes: EventAttributes, extra: Record<string, string> = {}): Record<string, string> {
  return {
    [HEADER.specVersion]: '1.0',
    [HEADER.id]: attributes.id,
    [HEADER.type]: attributes.type,
    [HEADER.source]: attributes.source,
    [HEADER.time]: attributes.time,
    [HEADER.contentType]: 'application/json',
    ...extra,
  };
}

/** Reads kafkajs headers (Buffers, strings or arrays of them) as strings; the last value of a repeated header wins. */
export function headersAsStrings(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value !== undefined) result[name] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
  return result;
}
