// A run's complexity measures for the study: its measures.json, or, for a run that finished
// without one (trained before measures existed), computed now from its final checkpoint and
// written there, so the next study reads them.
import { basename, join } from 'node:path';
import { tf } from '../tf.js';
import { loadConfigFile } from '../config/index.js';
import { loadCheckpoint } from '../model/loadCheckpoint.js';
import { checkpointStep, latestCheckpointDir } from '../run/checkpoints.js';
import { checkpointFiles, runFiles } from '../run/format.js';
import { writeComplexityMeasures } from './complexityMeasures.js';
import { measureData } from './measureData.js';
import { type MeasuresRecord, readMeasuresFile } from './measuresFile.js';
import { StudyInputError } from './studyRuns.js';

/** The measures of the weights at `step` (the run's last), from the file or computed. */
export async function runMeasures(runDir: string, step: number, onCompute: (message: string) => void = () => {}): Promise<MeasuresRecord> {
  const existing = readMeasuresFile(runDir);
  if (existing && existing.step === step) return existing;
  const checkpoint = latestCheckpointDir(runDir);
  if (!checkpoint) throw new StudyInputError(`${runDir} has no ${runFiles.measures} and no checkpoint to compute it from`);
  const name = basename(checkpoint);
  if (checkpointStep(name) !== step) throw new StudyInputError(`${runDir}: its latest checkpoint is ${name}, not the final step ${step}; its final weights are not kept`);
  onCompute(`${runDir}: ${existing ? `${runFiles.measures} is of step ${existing.step}` : `no ${runFiles.measures}`}; computing the measures from ${name}`);
  const { config } = loadConfigFile(join(runDir, runFiles.config));
  const { shape, params } = loadCheckpoint(join(checkpoint, checkpointFiles.weights));
  try {
    const data = await measureData(config);
    return await writeComplexityMeasures(runDir, shape, params, data, { step, checkpoint: name, computedBy: 'study', codingRateEps: config.introspect.codingRateEps });
  } finally {
    tf.dispose(Object.values(params));
  }
}
