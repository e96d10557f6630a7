/**
 * The floor for POST /events (run by bench/ingest.ts as a child process): a bare Node HTTP server
 * that parses the JSON body and does the same kafkajs send as lib/kafka/publisher.ts — same client
 * settings, idempotent producer, one request in flight, murmur2 partitioner, acks=-1, the same
 * key, value and CloudEvents headers — and answers 204 once Kafka acknowledged. No middy, no
 * token, no validation.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 PORT=4000 npx tsx bench/bare-server.ts
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { Kafka } from 'kafkajs';
import { kafkaConfig } from '../lib/kafka/client';
import { eventHeaders } from '../lib/kafka/headers';
import { PRODUCER_CONFIG } from '../lib/kafka/publisher';

const TOPIC = 'user.events';

async function main(): Promise<void> {
  const producer = new Kafka(kafkaConfig()).producer(PRODUCER_CONFIG);
  await producer.connect();
  const server = createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(200).end('ok');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type: string; session_id: string; payload: Record<string, string> };
      const timestamp = new Date().toISOString();
      const value = { type: input.type, user_id: 'bench-user', session_id: input.session_id, payload: input.payload, timestamp };
      producer
        .send({
          topic: TOPIC,
          acks: -1,
          timeout: 5000,
          messages: [
            {
              key: value.session_id,
              value: JSON.stringify(value),
              headers: eventHeaders({ id: randomUUID(), type: 'com.example.user.event', source: 'bare-server', time: timestamp }),
            },
          ],
        })
        .then(
          () => res.writeHead(204).end(),
          (error: Error) => res.writeHead(503).end(error.message),
        );
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(`bare server listening on ${process.env.PORT}`));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
