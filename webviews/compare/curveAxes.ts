// The Compare panel's curves: each chart's title, its axis titles with units, and whether its
// values are accuracies (shown in %). One source for the charts on screen and in the PNG export.

export interface CurveAxes {
  title: string;
  x: string;
  y: string;
  /** Fractions shown as percentages. */
  percent: boolean;
}

const step = 'step (optimizer steps)';

const curves: Record<string, CurveAxes> = {
  loss: { title: 'Training loss (mini-batch)', x: step, y: 'cross-entropy (nats)', percent: false },
  'train.loss': { title: 'Training-subset loss', x: step, y: 'cross-entropy (nats)', percent: false },
  'validation.loss': { title: 'Validation loss', x: step, y: 'cross-entropy (nats)', percent: false },
  accuracy: { title: 'Training accuracy (mini-batch)', x: step, y: 'accuracy (%)', percent: true },
  'train.accuracy': { title: 'Training-subset accuracy', x: step, y: 'accuracy (%)', percent: true },
  'validation.accuracy': { title: 'Validation accuracy', x: step, y: 'accuracy (%)', percent: true },
  'gap.loss': { title: 'Generalization gap (held-out − training-subset loss)', x: step, y: 'loss gap (nats)', percent: false },
};

export function curveAxes(key: string): CurveAxes {
  return curves[key] ?? { title: key, x: step, y: key, percent: key.endsWith('accuracy') };
}
