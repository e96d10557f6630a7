/**
 * localstack-compose.yml cannot run here (no Docker): its content is checked instead.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { KAFKA_VERSION } from '../../lib/local/broker';
import { ROOT } from './package';

interface Service {
  image: string;
  ports?: string[];
  environment?: Record<string, string | number>;
  healthcheck?: { test: string[] | string; interval?: string; retries?: number };
}

const compose = parse(readFileSync(join(ROOT, 'localstack-compose.yml'), 'utf8')) as { services: Record<string, Service> };
const services = compose.services;

describe('localstack-compose.yml', () => {
  it('has Kafka, Redis/Valkey and LocalStack, each with a health check', () => {
    expect(Object.keys(services).sort()).toEqual(['kafka', 'localstack', 'redis']);
    for (const [name, service] of Object.entries(services)) {
      expect({ name, test: service.healthcheck?.test }).toEqual({ name, test: expect.anything() });
      expect(service.image).toMatch(/^[a-z0-9./-]+:[A-Za-z0-9.-]+$/);
      expect(service.image).not.toMatch(/:latest$/);
    }
  });

  it('runs the same Kafka version as the tests, in KRaft mode', () => {
    expect(services.kafka?.image).toBe(`apache/kafka:${KAFKA_VERSION}`);
    const env = services.kafka?.environment ?? {};
    expect(String(env.KAFKA_PROCESS_ROLES).split(',').sort()).toEqual(['broker', 'controller']);
    expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS).toBeDefined();
    expect(JSON.stringify(env)).not.toMatch(/zookeeper/i);
    expect(String(env.KAFKA_ADVERTISED_LISTENERS)).toContain('127.0.0.1:9092');
    expect(env.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
  });

  it('publishes the ports the README points KAFKA_BROKERS, REDIS_URL and AWS clients at', () => {
    expect(services.kafka?.ports).toEqual(['9092:9092']);
    expect(services.redis?.image).toMatch(/^(valkey\/valkey|redis):/);
    expect(services.redis?.ports).toEqual(['6380:6379']);
    expect(services.localstack?.image).toMatch(/^localstack\/localstack:/);
    expect(services.localstack?.ports).toEqual(['4566:4566']);
    expect(String(services.localstack?.environment?.SERVICES).split(',')).toEqual(expect.arrayContaining(['s3', 'sts', 'iam', 'logs']));
  });
});
