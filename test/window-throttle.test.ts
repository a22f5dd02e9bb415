// The server's throttle (server/runs/windowThrottle.ts) with real timers: the first request after a
// quiet window runs at once (or on the next timer turn when deferred), later requests in the
// window are gathered into one run at its end, and a run that sent nothing opens no window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { WindowThrottle } from '../server/runs/windowThrottle.js';

const windowMs = 200;

test('the first request runs at once, the rest of the window is gathered into one run at its end', async () => {
  const runs: number[] = [];
  const start = Date.now();
  const throttle = new WindowThrottle(windowMs, () => void runs.push(Date.now() - start));
  throttle.request();
  assert.equal(runs.length, 1, 'ran synchronously');
  for (let i = 0; i < 5; i++) {
    await sleep(20);
    throttle.request();
  }
  assert.equal(runs.length, 1, 'requests inside the window wait');
  await sleep(windowMs + 100);
  assert.equal(runs.length, 2, `one gathered run: ${runs}`);
  assert.ok(runs[1] >= windowMs - 5, `the gathered run waits for the window's end: ${runs}`);
  throttle.dispose();
});

test('deferred: even the first request runs on a timer, so a burst of requests is one run', async () => {
  let runs = 0;
  const throttle = new WindowThrottle(windowMs, () => void runs++, true);
  throttle.request();
  throttle.request();
  throttle.request();
  assert.equal(runs, 0, 'not synchronous');
  await sleep(20);
  assert.equal(runs, 1);
  throttle.request();
  await sleep(20);
  assert.equal(runs, 1, 'the next request waits for the window');
  await sleep(windowMs);
  assert.equal(runs, 2);
  throttle.dispose();
});

test('a run that sent nothing opens no window; dispose drops a gathered run', async () => {
  let runs = 0;
  let sends = false;
  const throttle = new WindowThrottle(windowMs, () => {
    runs++;
    return sends;
  });
  throttle.request();
  throttle.request();
  assert.equal(runs, 2, 'both ran at once: the first sent nothing');
  sends = true;
  throttle.request();
  throttle.request();
  assert.equal(runs, 3, 'the third sent, so the fourth waits');
  throttle.dispose();
  await sleep(windowMs + 50);
  assert.equal(runs, 3, 'disposed before the window ended');
});
