/**
 * mulberry32: a tiny seeded PRNG (uniform in [0, 1)), for whatever a test must be able to replay:
 * the suite order (sequencer.js) and generated cases (test/filter/generate.ts).
 * @param {number} seed
 * @returns {() => number}
 */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

module.exports = { random };
