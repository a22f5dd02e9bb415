// A node:test reporter for scripts/run-tests.mjs: one JSON line per test or suite that was
// skipped, and per test file that ran out of time (with the test it was running then, which
// Node 20's runner does not say: its --test-timeout stops the whole file's process).
//   { "kind": "skipped", "file", "name", "reason" }
//   { "kind": "timedOut", "file", "running": "suite › test" | null }

/** Names of the tests a file has started and not finished, outermost first. */
function runningPath(stack) {
  return stack.length > 0 ? stack.join(' › ') : null;
}

export default async function* testOutcomes(source) {
  const running = new Map(); // file → stack of test names by nesting
  for await (const event of source) {
    const { data } = event;
    if (!data?.file) continue;
    const stack = running.get(data.file) ?? [];
    running.set(data.file, stack);
    // Files are tests at nesting 0 themselves; their own tests are nested one level below
    // them in the parent's view but arrive with the child's nesting, so names are tracked by it.
    if (event.type === 'test:dequeue' && data.name !== data.file) {
      stack.length = data.nesting;
      stack.push(data.name);
    } else if (event.type === 'test:pass' || event.type === 'test:fail') {
      const isFile = data.name === data.file && data.nesting === 0;
      if (data.skip !== undefined) {
        yield `${JSON.stringify({ kind: 'skipped', file: data.file, name: data.name, reason: data.skip === true ? '' : String(data.skip) })}\n`;
      }
      if (isFile && data.details?.error?.failureType === 'testTimeoutFailure') {
        yield `${JSON.stringify({ kind: 'timedOut', file: data.file, running: runningPath(stack) })}\n`;
      }
      if (!isFile) stack.length = Math.min(stack.length, data.nesting);
    }
  }
}
