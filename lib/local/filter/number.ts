/**
 * Numbers as Lambda's filter engine (AWS event-ruler, `ComparableNumber`) compares them: a number
 * takes part in numeric matching only when its text is exactly a double (`0.1` is,
 * `0.10000000000000001` and `1e400` are not), and numbers are ordered by their IEEE-754 bits.
 * The text goes through a BigDecimal first, which has no negative zero: `-0` is `0`.
 */

const SIGN = 1n << 63n;
const ALL_BITS = (1n << 64n) - 1n;

/** The order-preserving key of a number's text, or undefined when event-ruler cannot compare it. */
export function comparableKey(text: string): bigint | undefined {
  // `+ 0` turns -0 into 0, as the BigDecimal step does.
  const value = Number(text) + 0;
  if (!Number.isFinite(value)) return undefined;
  // ComparableNumber.generate: BigDecimal.valueOf(double) must equal the parsed BigDecimal.
  if (!sameDecimal(text, String(value))) return undefined;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  return bits & SIGN ? ~bits & ALL_BITS : bits | SIGN;
}

/** Whether two decimal texts denote the same number (`1.50` and `15e-1`; `-0` and `0`). */
function sameDecimal(a: string, b: string): boolean {
  const x = canonical(a);
  const y = canonical(b);
  return x.digits === y.digits && x.exponent === y.exponent && x.negative === y.negative;
}

function canonical(text: string): { negative: boolean; digits: string; exponent: number } {
  const match = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/.exec(text);
  if (!match) return { negative: false, digits: `invalid:${text}`, exponent: 0 };
  const [, sign = '', whole = '', fraction = '', exp = '0'] = match;
  let digits = `${whole}${fraction}`;
  let exponent = Number(exp) - fraction.length;
  digits = digits.replace(/^0+/, '');
  const trailing = digits.length - digits.replace(/0+$/, '').length;
  digits = digits.slice(0, digits.length - trailing);
  exponent += trailing;
  if (digits === '') return { negative: false, digits: '0', exponent: 0 };
  return { negative: sign === '-', digits, exponent };
}
