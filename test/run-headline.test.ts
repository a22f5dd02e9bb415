// The headline wording shared by the dashboard header, the Runs view and the status bar.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { divergingText, durationText, epochText, heldOutText, percent, timeText } from '../protocol/runHeadline.js';

test('percent: one decimal, rounded', () => {
  assert.equal(percent(0.807692289352417), '80.8%');
  assert.equal(percent(0.765625), '76.6%');
  assert.equal(percent(1), '100.0%');
  assert.equal(percent(0), '0.0%');
});

test('heldOutText: final and best held-out accuracy with the split and the best step; null without one', () => {
  assert.equal(heldOutText({ split: 'validation', best: 0.8125, bestStep: 217, final: 0.796875, finalStep: 300 }), 'val acc 79.7% (best 81.3% at step 217)');
  assert.equal(heldOutText({ split: 'test', best: 0.5, bestStep: 10, final: 0.5, finalStep: 20 }), 'test acc 50.0% (best 50.0% at step 10)');
  assert.equal(heldOutText(null), null);
  assert.equal(heldOutText(undefined), null);
});

test('epochText: counted from 1 of the run’s epochs; the old wording for runs that do not say how many', () => {
  assert.equal(epochText({ epoch: 1, epochs: 3 }), 'epoch 2/3');
  assert.equal(epochText({ epoch: 0, epochs: 1 }), 'epoch 1/1');
  // A completed run's last recorded epoch is the last one, never past it.
  assert.equal(epochText({ epoch: 3, epochs: 3 }), 'epoch 3/3');
  assert.equal(epochText({ epoch: 2 }), 'epoch 2');
});

test('durationText: seconds under a minute, whole minutes under an hour, then hours and minutes', () => {
  assert.equal(durationText(0), '0 s');
  assert.equal(durationText(44.6), '45 s');
  assert.equal(durationText(59.4), '59 s');
  assert.equal(durationText(89), '1 min');
  assert.equal(durationText(12 * 60 + 20), '12 min');
  assert.equal(durationText(3600 + 5 * 60), '1 h 05 min');
  assert.equal(durationText(26 * 3600 + 59 * 60 + 40), '27 h 00 min');
  assert.equal(durationText(-3), '0 s');
});

test('timeText: elapsed and the estimate left; either alone; null without both', () => {
  assert.equal(timeText({ elapsedSeconds: 12 * 60, etaSeconds: 190 }), '12 min elapsed · ≈ 3 min left');
  assert.equal(timeText({ elapsedSeconds: 30 }), '30 s elapsed');
  assert.equal(timeText({ etaSeconds: 7200 }), '≈ 2 h 00 min left');
  assert.equal(timeText({ elapsedSeconds: 30, etaSeconds: Infinity }), '30 s elapsed');
  assert.equal(timeText({}), null);
});

test('divergingText: the mean loss, its steps and the threshold as a multiple of ln(classes)', () => {
  // ln 10 = 2.302585…: the threshold 2 ln 10 = 4.605170… prints as 4.61.
  const chance = Math.log(10);
  assert.equal(divergingText({ meanLoss: 7.9061, threshold: 2 * chance, chanceLoss: chance, classes: 10, fromStep: 81, toStep: 100 }), 'diverging: mean loss 7.91 over steps 81–100 > 2 × ln 10 = 4.61');
});
