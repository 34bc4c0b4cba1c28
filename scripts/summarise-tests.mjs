// Prints the test runner's own counts as one last line: "N passed, N failed".
import { readFileSync } from 'node:fs';
const file = process.argv[2];
try {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed`);
} catch (e) {
  console.log('0 passed, 1 failed');
  console.error(`no test results in ${file}: ${e.message}`);
}
