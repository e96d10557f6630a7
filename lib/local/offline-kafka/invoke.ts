/**
 * Invokes a function through serverless-offline's Lambda API (`POST /2015-03-31/functions/<name>/invocations`),
 * so handler resolution, environment, worker threads and the function timeout are serverless-offline's own.
 */
import http from 'node:http';

export type InvokeOutcome = { ok: true; payload: unknown } | { ok: false; error: string };

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export interface InvokeTarget {
  host: string;
  port: number;
}

/**
 * Resolves with the function's response, or with the reason it failed: an unhandled error
 * (serverless-offline answers `X-Amz-Function-Error: Unhandled`, which is also how its own
 * timeout shows up), an unknown function, or no answer within `timeoutMs` plus a grace period.
 */
export function invoke(target: InvokeTarget, functionName: string, body: string, timeoutMs: number): Promise<InvokeOutcome> {
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

export function closeInvokeAgent(): void {
  agent.destroy();
}
