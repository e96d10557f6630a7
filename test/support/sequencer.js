/**
 * Runs the test suites in a shuffled order that a seed replays, so no suite can depend on another
 * having run before it. The seed is printed first; `TEST_SEED=<n> npm test` replays that order,
 * `TEST_SEED=reverse` runs the default (path) order backwards.
 */
const Sequencer = require('@jest/test-sequencer').default;

const { random } = require('./seeded-random');

function chosenSeed() {
  const given = process.env.TEST_SEED;
  if (given === 'reverse') return 'reverse';
  if (given !== undefined && given !== '') {
    if (!/^\d+$/.test(given)) throw new Error(`TEST_SEED must be a whole number or "reverse", not "${given}"`);
    return Number(given);
  }
  return Math.floor(Math.random() * 2 ** 31);
}

class ShuffledSequencer extends Sequencer {
  sort(tests) {
    const byPath = [...tests].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const seed = chosenSeed();
    // For the closing summary (test/support/slowest-reporter.js), which runs in this process.
    process.env.TEST_SEED_USED = String(seed);
    process.stderr.write(`Test order: TEST_SEED=${seed} (replay with TEST_SEED=${seed} npm test)\n`);
    if (seed === 'reverse') return byPath.reverse();
    const next = random(seed);
    for (let i = byPath.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [byPath[i], byPath[j]] = [byPath[j], byPath[i]];
    }
    return byPath;
  }
}

module.exports = ShuffledSequencer;
