// Prints the run's totals as the last line, `N passed, N failed`, from jest's own aggregated
// results: CI and people read the same figure.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const suitesFailed = results.numFailedTestSuites + results.numRuntimeErrorTestSuites;
    if (suitesFailed > 0 && results.numFailedTests === 0) {
      process.stdout.write(`\n${suitesFailed} test suite(s) failed to run\n`);
    }
    const failed = results.numFailedTests + (results.numFailedTests === 0 ? suitesFailed : 0);
    process.stdout.write(`\n${results.numPassedTests} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}\n`);
  }
}
module.exports = SummaryReporter;
