/**
 * Two ways to invoke a function, both serverless-offline's own code (same handler resolution,
 * environment, worker threads and timeout):
 *
 * - `lambda` (default): serverless-offline's public Lambda API (`serverless-offline/lambda`), the
 *   class its HTTP invoke route calls, with the same merged options. The event goes straight to
 *   the function's worker thread: no HTTP round trip and no JSON re-parse.
 * - `http`: its Lambda invoke endpoint, `POST /2015-03-31/functions/<name>/invocations`
 *   (`custom.offlineKafka.invoke: http`).
 */
import http from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Serverless, serviceDirOf } from '../../deploy/serverless-types';
import { errorMessage } from '../../errors';
import { importModule, offlineSourceDir } from '../serverless-offline';

export type InvokeOutcome = { ok: true; payload: unknown } | { ok: false; error: string };

export interface Invoker {
  readonly kind: 'lambda' | 'http';
  readonly description: string;
  invoke(target: { functionKey: string; functionName: string }, event: unknown, timeoutMs: number): Promise<InvokeOutcome>;
  close(): Promise<void>;
}

export interface InvokeTarget {
  host: string;
  port: number;
}

export function httpInvoker(target: InvokeTarget): Invoker {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  return {
    kind: 'http',
    description: `http://${target.host}:${target.port}/2015-03-31/functions/<name>/invocations`,
    invoke: (fn, event, timeoutMs) => invokeHttp(target, agent, fn.functionName, JSON.stringify(event), timeoutMs),
    close: async () => agent.destroy(),
  };
}

/**
 * Resolves with the function's response, or with the reason it failed: an unhandled error
 * (serverless-offline answers `X-Amz-Function-Error: Unhandled`, which is also how its own
 * timeout shows up), an unknown function, or no answer within `timeoutMs` plus a grace period.
 */
function invokeHttp(target: InvokeTarget, agent: http.Agent, functionName: string, body: string, timeoutMs: number): Promise<InvokeOutcome> {
  return new Promise((resolve) => {
    const request = http.request(
      {
        host: target.host,
        port: target.port,
        method: 'POST',
        path: `/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`,
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-amz-invocation-type': 'RequestResponse' },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) => resolve({ ok: false, error: `invoke response failed: ${error.message}` }));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let payload: unknown = text;
          try {
            payload = text ? JSON.parse(text) : null;
          } catch {}
          const functionError = response.headers['x-amz-function-error'];
          if (functionError) {
            const message = (payload as { errorMessage?: string } | null)?.errorMessage ?? text;
            resolve({ ok: false, error: `${functionError}: ${message}` });
          } else if ((response.statusCode ?? 500) >= 300) {
            resolve({ ok: false, error: `invoke answered HTTP ${response.statusCode}: ${text.slice(0, 300)}` });
          } else {
            resolve({ ok: true, payload });
          }
        });
      },
    );
    // serverless-offline enforces the function timeout itself; this only catches a hung server.
    request.setTimeout(timeoutMs + 5000, () => request.destroy(new Error(`no answer within ${timeoutMs + 5000} ms`)));
    request.on('error', (error) => resolve({ ok: false, error: `invoke failed: ${error.message}` }));
    request.end(body);
  });
}

interface OfflineLambdaFunction {
  setClientContext(context: unknown): void;
  setEvent(event: unknown): void;
  runHandler(): Promise<unknown>;
}

interface OfflineLambda {
  create(lambdas: { functionKey: string; functionDefinition: unknown }[]): void;
  get(functionKey: string): OfflineLambdaFunction;
  cleanup(): Promise<void>;
}

/**
 * serverless-offline's Lambda class for `functionKeys`, created with the options serverless-offline
 * itself uses (its defaults, then `custom.serverless-offline`, then the CLI options).
 */
export async function lambdaApiInvoker(serverless: Serverless, cliOptions: Record<string, unknown>, functionKeys: string[]): Promise<Invoker> {
  const source = offlineSourceDir(serviceDirOf(serverless));
  const resolved = join(source, 'lambda', 'index.js');
  const { default: Lambda } = (await importModule(pathToFileURL(resolved).href)) as { default: new (sls: unknown, options: unknown) => OfflineLambda };
  const { default: defaults } = (await importModule(pathToFileURL(join(source, 'config', 'defaultOptions.js')).href)) as {
    default: Record<string, unknown>;
  };
  const options = { ...defaults, ...((serverless.service.custom?.['serverless-offline'] as Record<string, unknown>) ?? {}), ...cliOptions };
  const lambda = new Lambda(serverless, options);
  lambda.create(functionKeys.map((functionKey) => ({ functionKey, functionDefinition: serverless.service.getFunction(functionKey) })));
  return {
    kind: 'lambda',
    description: `serverless-offline's Lambda API (${resolved})`,
    async invoke(fn, event) {
      // get() hands out an idle instance (or a new one); runHandler marks it busy synchronously.
      const instance = lambda.get(fn.functionKey);
      instance.setClientContext(undefined);
      instance.setEvent(event);
      try {
        return { ok: true, payload: await instance.runHandler() };
      } catch (error) {
        // A thrown error, or serverless-offline's LambdaTimeoutError after the function timeout.
        return { ok: false, error: `Unhandled: ${errorMessage(error)}` };
      }
    },
    close: () => lambda.cleanup(),
  };
}
