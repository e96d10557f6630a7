/**
 * serverless-offline's console, trimmed to what a developer reads: its per-request lines (the
 * request, the JWT check, the invocation's RequestId/Duration) and its start-up inventory (function
 * names, invocation routes, authorizers) go to DEBUG; the gateway prints one line per request
 * instead (access-log.ts). Its own notices about real problems stay as they are.
 */
import type { PluginLog } from '../plugin-log';

type Print = (...args: unknown[]) => void;

/** The log object serverless-offline writes to (its `utils/log.js`). */
export interface OfflineLogUtils {
  log: { debug: Print; error: Print; info: Print; notice: Print; verbose: Print; warning: Print };
  progress?: unknown;
}

const CHATTER: RegExp[] = [
  /^\w+ \S+ \(λ: [^)]+\)$/, // "POST /checkout (λ: checkout)": access-log.ts prints the request with its answer
  /^\(λ: [^)]+\) RequestId: .* Duration: /, // every invocation, HTTP and Kafka alike
  /^Running JWT Authorization function for /,
  /^JWT (Token validated|could not be decoded|Token not from correct issuer url|Token does not contain correct audience|Token missing valid scope)/,
  /^Function names exposed for local invocation/,
  /^ {3}\* \S+: \S+$/, // the list of function names
  /^Configuring JWT Authorization: /,
  /^Offline \[http for lambda\] listening on /,
  /^┌/, // the boxed route table (the dev banner lists every route with an example)
];

/** Whether serverless-offline's message is chatter (DEBUG) rather than something to read. */
export function isChatter(args: unknown[]): boolean {
  if (args.length === 0 || (args.length === 1 && args[0] === '')) return true; // its blank spacer lines
  const [first] = args;
  // The JWT check logs the decoding error (with its stack) of every garbage token it refuses.
  if (first instanceof Error) return /^ERR_JWT/.test(String((first as Error & { code?: unknown }).code ?? ''));
  return typeof first === 'string' && CHATTER.some((pattern) => pattern.test(first));
}

/** serverless-offline's log utils with its chatter sent to `log.debug`. */
export function quietOfflineLog(utils: OfflineLogUtils, log: PluginLog): OfflineLogUtils {
  const quiet =
    (print: Print): Print =>
    (...args) => {
      if (!isChatter(args)) print(...args);
      else if (log.debugEnabled) print(...args);
    };
  // The framework's log is a function with methods (not all own properties): bind each one.
  const pass = (name: keyof OfflineLogUtils['log']): Print => utils.log[name].bind(utils.log);
  return {
    progress: utils.progress,
    log: {
      debug: pass('debug'),
      info: pass('info'),
      verbose: pass('verbose'),
      notice: quiet(pass('notice')),
      error: quiet(pass('error')),
      warning: quiet(pass('warning')),
    },
  };
}
