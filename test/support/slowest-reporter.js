/**
 * A jest reporter that ends a run with its own health: the seed of its order, its wall time and
 * its slowest suites (where a slow CI run spends its minutes).
 */
class SlowestSuitesReporter {
  onRunComplete(_contexts, results) {
    const suites = results.testResults
      .map((r) => ({ path: r.testFilePath.replace(`${process.cwd()}/`, ''), ms: r.perfStats.end - r.perfStats.start }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 8);
    const wall = ((Date.now() - results.startTime) / 1000).toFixed(1);
    const lines = suites.map((s) => `  ${(s.ms / 1000).toFixed(1).padStart(6)} s  ${s.path}`);
    process.stderr.write(`\nTest order seed: ${process.env.TEST_SEED_USED ?? 'unknown'}; wall time ${wall} s; slowest suites:\n${lines.join('\n')}\n`);
  }
}

module.exports = SlowestSuitesReporter;
