import { containerConnection } from '../../lib/kafka/connection';

class FakeClient {
  static made = 0;
  connected = false;
  constructor(private readonly failConnect: boolean) {
    FakeClient.made++;
  }
  async connect() {
    if (this.failConnect) throw new Error('broker down');
    this.connected = true;
  }
  async disconnect() {
    this.connected = false;
  }
}

test('connects once and shares the client; a failed connect is retried by the next get; close disconnects', async () => {
  FakeClient.made = 0;
  let failures = 1;
  const connection = containerConnection(() => new FakeClient(failures-- > 0));
  await expect(connection.get()).rejects.toThrow('broker down');
  const first = await connection.get();
  expect(await connection.get()).toBe(first);
  expect(FakeClient.made).toBe(2);
  await connection.close();
  expect(first.connected).toBe(false);
  expect(await connection.get()).not.toBe(first);
});
