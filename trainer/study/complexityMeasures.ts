// Every complexity measure of docs/models.md on one model's weights, and the end-of-run entry
// point that writes them to the run directory (measures.json).
import type { ModelShape } from '../model/architecture.js';
import type { Params } from '../model/params.js';
import { defaultCodingRateEps } from '../metrics/layerMetrics.js';
import type { MeasureData } from './measureData.js';
import { type MeasuresRecord, writeMeasuresFile } from './measuresFile.js';
import { inverseMarginSquared, modelMargins, tenthPercentileMargin } from './measures/margin.js';
import { normMeasures } from './measures/normMeasures.js';
import { pathNorm } from './measures/pathNorm.js';
import { srrMeasure } from './measures/srrMeasure.js';
import { weightMatrices } from './measures/weightMatrices.js';

export interface MeasureSource {
  /** The optimiser step of the weights. */
  step: number;
  /** Their checkpoint folder name, when they come from one. */
  checkpoint?: string;
  computedBy: 'trainer' | 'study';
  /** ε of the coding rates (the run's introspect.codingRateEps). */
  codingRateEps?: number;
}

export async function computeComplexityMeasures(shape: ModelShape, params: Params, data: MeasureData, source: MeasureSource): Promise<MeasuresRecord> {
  const eps = source.codingRateEps ?? defaultCodingRateEps;
  const norms = normMeasures(await weightMatrices(shape, params));
  const gamma = tenthPercentileMargin(await modelMargins(shape, params, data.images, data.labels.subarray(0, data.count)));
  const srr = await srrMeasure(shape, params, data.images, data.srrCount, eps);
  return {
    version: 1,
    step: source.step,
    checkpoint: source.checkpoint ?? null,
    computedAt: new Date().toISOString(),
    computedBy: source.computedBy,
    data: { images: data.count, srrImages: data.srrCount, codingRateEps: eps },
    measures: {
      l2: norms.l2,
      pathNorm: await pathNorm(shape, params),
      sumOfSpec: norms.sumOfSpec,
      logProdOfSpec: norms.logProdOfSpec,
      inverseMargin: inverseMarginSquared(gamma),
      srr: srr.value,
    },
    margin: gamma,
    srrPerLayer: srr.perLayer,
    matrices: norms.matrices,
  };
}

/**
 * Computes the measures of the final weights and writes `runDir/measures.json` atomically. For the
 * trainer, once a run has completed: `params` are its variables (read, not changed), `data` is
 * measureData(config) (the first training examples, unaugmented).
 */
export async function writeComplexityMeasures(runDir: string, shape: ModelShape, params: Params, data: MeasureData, source: MeasureSource): Promise<MeasuresRecord> {
  const record = await computeComplexityMeasures(shape, params, data, source);
  writeMeasuresFile(runDir, record);
  return record;
}
