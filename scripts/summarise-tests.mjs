// Prints the test runner's own counts as one last line: "N passed, N failed". A test file that
// failed to load (no test ran in it) counts as one failure, so a red run never reads "0 failed".
import { readFileSync } from 'node:fs';
const file = process.argv[2];
try {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  const brokenFiles = (r.testResults ?? []).filter(
    (f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'),
  ).length;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests + brokenFiles} failed`);
} catch (e) {
  console.log('0 passed, 1 failed');
  console.error(`no test results in ${file}: ${e.message}`);
}
