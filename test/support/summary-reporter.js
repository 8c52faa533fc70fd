// Writes Jest's totals where .ci/run can read them (KUBERNAUT_TEST_RESULTS), so the closing
// "N passed, N failed" line is computed from Jest's own results rather than scraped from its output.
import { writeFileSync } from 'node:fs';

export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const file = process.env.KUBERNAUT_TEST_RESULTS;
    if (!file) return;
    const failedSuites = results.testResults.filter((r) => r.testExecError || r.failureMessage && r.numFailingTests === 0).length;
    writeFileSync(
      file,
      JSON.stringify({
        passed: results.numPassedTests,
        failed: results.numFailedTests + failedSuites,
        skipped: results.numPendingTests + results.numTodoTests,
        failedSuites: results.numFailedTestSuites,
        // results.success is only settled after reporters run, so it is derived here from the counts.
        success: results.numFailedTests === 0 && results.numFailedTestSuites === 0 && results.numRuntimeErrorTestSuites === 0,
      }),
    );
  }
}
