/**
 * Reading what was thrown: anything can be (`throw 'x'`, a rejected promise with `undefined`), so a
 * `catch (error)` gets `unknown`; these read it without a cast.
 *
 * @example
 * try {
 *   await redis().ping();
 * } catch (error) {
 *   log.warn('redis unavailable', { error: errorMessage(error) });
 * }
 */

/** `error` itself when it is an Error, else an Error whose message is `String(error)` (the value as its `cause`). */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error), { cause: error });
}

/** The message of what was thrown: an Error's `message`, else the value as text. */
export function errorMessage(error: unknown): string {
  return asError(error).message;
}
