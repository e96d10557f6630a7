/**
 * Orders as the checkout consumers see them: which service has done its step, and when.
 * Each step is written together with the service's own effect, once per event.
 *
 * @example
 * await orderStore.completeStep('payment-service', order, eventId, 'initiated', [['HSET', paymentKey, 'amount', order.total]]);
 */
import type { OrderPlaced } from '../../events/catalog';
import { activeTraceId } from '../telemetry/trace';
import { applyOnce, type RedisCommand } from './once';
import { keyPrefix, redis } from './redis';

export interface OrderStep {
  status: string;
  at: string;
}

export interface OrderView {
  order_id: string;
  customer_id: string;
  total: number;
  created_at: string;
  /** Per consumer group: what it did with the order. */
  steps: Record<string, OrderStep>;
  /** The checkout's trace (`npm run trace -- <trace_id>`), when it was traced. */
  trace_id?: string;
}

export const orderKey = (orderId: string) => `${keyPrefix()}order:${orderId}`;
/** How many orders each step reached, field `<group>:<status>` (for GET /stats). */
export const orderStepCountsKey = () => `${keyPrefix()}orders:steps`;

export const orderStore = {
  /** Records that `group` did its step for `order`, together with `effect`, exactly once per event. */
  async completeStep(group: string, order: OrderPlaced, eventId: string, status: string, effect: RedisCommand[] = []): Promise<boolean> {
    const key = orderKey(order.order_id);
    const step: OrderStep = { status, at: new Date().toISOString() };
    // The record's trace is the checkout's (lib/consumer/telemetry.ts): the first step keeps it.
    const traceId = activeTraceId();
    return applyOnce(group, eventId, [
      ...effect,
      ...(traceId ? ([['HSETNX', key, 'trace_id', traceId]] as RedisCommand[]) : []),
      ['HSET', key, 'order_id', order.order_id, 'customer_id', order.customer_id, 'total', order.total, 'created_at', order.created_at],
      ['HSET', key, `step:${group}`, JSON.stringify(step)],
      ['HINCRBY', orderStepCountsKey(), `${group}:${status}`, 1],
    ]);
  },

  /** Orders per step reached, e.g. `[{ group: 'inventory-service', status: 'reserved', count: 12 }]`. */
  async countBySteps(): Promise<{ group: string; status: string; count: number }[]> {
    const fields = await redis().hgetall(orderStepCountsKey());
    return Object.entries(fields)
      .map(([field, count]) => {
        const colon = field.indexOf(':');
        return { group: field.slice(0, colon), status: field.slice(colon + 1), count: Number(count) };
      })
      .sort((a, b) => a.group.localeCompare(b.group) || a.status.localeCompare(b.status));
  },

  async get(orderId: string): Promise<OrderView | undefined> {
    const fields = await redis().hgetall(orderKey(orderId));
    if (!fields.order_id) return undefined;
    const steps: Record<string, OrderStep> = {};
    for (const [name, value] of Object.entries(fields)) if (name.startsWith('step:')) steps[name.slice(5)] = JSON.parse(value) as OrderStep;
    return {
      order_id: fields.order_id,
      customer_id: fields.customer_id ?? '',
      total: Number(fields.total),
      created_at: fields.created_at ?? '',
      steps,
      ...(fields.trace_id ? { trace_id: fields.trace_id } : {}),
    };
  },
};
