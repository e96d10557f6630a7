/**
 * A container's long-lived Kafka client (producer, admin): connected on first use, shared by the
 * invocations that follow, and rebuilt after a failed connect.
 *
 * @example
 * const admin = containerConnection(() => kafka().admin());
 * const client = await admin.get();   // connects once
 * await admin.close();                // tests and graceful shutdown
 */
export interface ContainerConnection<C> {
  /** The connected client, connecting it on first use (or after the last connect failed). */
  get(): Promise<C>;
  /** Disconnects it; the next `get` connects a new one. */
  close(): Promise<void>;
}

export function containerConnection<C extends { connect(): Promise<void>; disconnect(): Promise<void> }>(create: () => C): ContainerConnection<C> {
  let ready: Promise<C> | undefined;
  return {
    get() {
      ready ??= (async () => {
        const client = create();
        await client.connect();
        return client;
      })().catch((error: unknown) => {
        ready = undefined;
        throw error;
      });
      return ready;
    },
    async close() {
      const current = ready;
      ready = undefined;
      if (current) await (await current.catch(() => undefined))?.disconnect();
    },
  };
}
