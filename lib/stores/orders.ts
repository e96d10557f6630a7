/**
 * Orders as the checkout consumers see them: which service has done its step, and when.
 * Each step is written together with the service's own effect, once per event.
 *
 * The consumers call one business operation each (`reserveStock`, `initiatePayment`,
 * `recordConfirmation`, `countOrder`); each is {@link orderStore.completeStep} with that service's
 * effect, so the effect, the step and the applied marker are one atomic write.
 *
 * @example
 * await orderStore.reserveStock(CONSUMER_GROUP.inventory, order, eventId);
 * const view = await orderStore.get(order.order_id);   // { steps: { [group]: { status: 'reserved', at: '...' } }, ... }
 */
import { z } from 'zod';
import type { OrderPlaced } from '../../events/catalog';
import { activeTraceId } from '../telemetry/trace';
import { applyOnce, type RedisCommand } from './once';
import { keyPrefix, redis } from './redis';

/** What one service did with an order. A schema (not only a type) so GET /orders/{id} documents it (docs/openapi.json). */
const orderStep = z.object({ status: z.string(), at: z.string().meta({ description: 'When (RFC 3339).' }) });
type OrderStep = z.infer<typeof orderStep>;

/** An order as GET /orders/{id} answers it. */
export const orderView = z.object({
  order_id: z.string(),
  customer_id: z.string(),
  total: z.number(),
  created_at: z.string(),
  steps: z.record(z.string(), orderStep).meta({ description: 'Per consumer group: what it did with the order.' }),
  trace_id: z.string().optional().meta({ description: "The checkout's trace (`npm run trace -- <trace_id>`), when it was traced." }),
});
export type OrderView = z.infer<typeof orderView>;

export const orderKey = (orderId: string) => `${keyPrefix()}order:${orderId}`;
/** How many orders each step reached, field `<group>:<status>` (for GET /stats). */
const orderStepCountsKey = () => `${keyPrefix()}orders:steps`;
/** The outbox of sent confirmations, newest last. */
export const sentConfirmationsKey = () => `${keyPrefix()}email:sent`;
/** Units reserved per product, field `<product_id>`. */
const reservedStockKey = () => `${keyPrefix()}inventory:reserved`;
/** The payment initiated for an order (expires with the order's view). */
const paymentKey = (orderId: string) => `${keyPrefix()}payment:${orderId}`;
/** Running totals of placed orders: fields `orders`, `items`, `revenue_cents`. */
const orderTotalsKey = () => `${keyPrefix()}analytics:orders`;

/**
 * How long an order's view (and its per-order keys such as a payment) lives after its last step:
 * longer than the applied markers (21 days), so a redelivery always finds it.
 */
export const ORDER_VIEW_TTL_SECONDS = 30 * 24 * 60 * 60;
/**
 * Confirmations the outbox keeps (the newest): about 1 MB. As many as one full-scale fault-suite
 * scenario sends (FAULT_REQUESTS 10,000), whose reconciliation reads the outbox for duplicates.
 */
export const MAX_SENT_CONFIRMATIONS = 10_000;

/** Appends a confirmation to the outbox, keeping the newest {@link MAX_SENT_CONFIRMATIONS}. */
export function sentConfirmationCommands(confirmation: string): RedisCommand[] {
  return [
    ['RPUSH', sentConfirmationsKey(), confirmation],
    ['LTRIM', sentConfirmationsKey(), -MAX_SENT_CONFIRMATIONS, -1],
  ];
}

/** Writes a per-order hash that expires with the order's view. */
function perOrderHash(key: string, fields: Record<string, string | number>): RedisCommand[] {
  return [
    ['HSET', key, ...Object.entries(fields).flat()],
    ['EXPIRE', key, ORDER_VIEW_TTL_SECONDS],
  ];
}

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
      ['EXPIRE', key, ORDER_VIEW_TTL_SECONDS],
      ['HINCRBY', orderStepCountsKey(), `${group}:${status}`, 1],
    ]);
  },

  /** The inventory step: reserves every item's quantity (step `reserved`). */
  async reserveStock(group: string, order: OrderPlaced, eventId: string): Promise<boolean> {
    const reservations = order.items.map((item): RedisCommand => ['HINCRBY', reservedStockKey(), item.product_id, item.quantity]);
    return orderStore.completeStep(group, order, eventId, 'reserved', reservations);
  },

  /** The payment step: initiates the payment of the order's total (step `payment-initiated`). */
  async initiatePayment(group: string, order: OrderPlaced, eventId: string): Promise<boolean> {
    const payment = { order_id: order.order_id, customer_id: order.customer_id, amount: order.total, status: 'initiated' };
    return orderStore.completeStep(group, order, eventId, 'payment-initiated', perOrderHash(paymentKey(order.order_id), payment));
  },

  /** The e-mail step: appends `confirmation` to the outbox of sent confirmations (step `confirmation-sent`). */
  async recordConfirmation(group: string, order: OrderPlaced, eventId: string, confirmation: string): Promise<boolean> {
    return orderStore.completeStep(group, order, eventId, 'confirmation-sent', sentConfirmationCommands(confirmation));
  },

  /** The analytics step: adds the order to the running totals of orders, items and revenue (step `counted`). */
  async countOrder(group: string, order: OrderPlaced, eventId: string): Promise<boolean> {
    const items = order.items.reduce((sum, item) => sum + item.quantity, 0);
    return orderStore.completeStep(group, order, eventId, 'counted', [
      ['HINCRBY', orderTotalsKey(), 'orders', 1],
      ['HINCRBY', orderTotalsKey(), 'items', items],
      ['HINCRBY', orderTotalsKey(), 'revenue_cents', Math.round(order.total * 100)],
    ]);
  },

  /** Orders per step reached, e.g. `[{ group, status: 'reserved', count: 12 }]`. */
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
