// The one way a part of the suite may be skipped: the user opts out of it with a variable. A
// prerequisite that is simply missing fails the tests that need it (scripts/setup.mjs installs
// them all), and scripts/run-tests.mjs fails any skip whose reason is not one of these and ends
// the run with one line naming what was skipped.

export const optOuts = {
  vscode: { variable: 'CRATE_LAB_SKIP_VSCODE', what: 'the real-VS-Code suites (code-server and Chromium)' },
  tmpfs: { variable: 'CRATE_LAB_SKIP_TMPFS', what: 'the tests on a mounted tmpfs (read-only and full disks; mounting needs root)' },
} as const;

/** The skip reason when the user opted out of `part` (scripts/run-tests.mjs parses it), else false. */
export function optedOut(part: keyof typeof optOuts): string | false {
  const { variable, what } = optOuts[part];
  const value = process.env[variable];
  return value ? `opted out with ${variable}=${value}: ${what}` : false;
}
