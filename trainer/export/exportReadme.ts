// README.txt of an export folder: what each file holds and its layout (docs/export.md says the same for people reading the docs).

const layouts: [pattern: RegExp, text: string][] = [
  [/^scalars\.csv$/, 'scalars.csv: long format, columns step,key,value; one row per scalar point of events.jsonl in its order (keys: loss, lr, imagesPerSecond, accuracy, srrLoss from training steps; <split>.loss, <split>.accuracy, train.*, gap.* from evaluations, docs/run-directory.md); values as logged (double precision); non-finite values (null in events.jsonl) are left out.'],
  [/^layers\.csv$/, 'layers.csv: long format, columns step,layer,metric,value; one row per number of each `layers` event: R and Rc (the coding rate of the layer\'s tokens, and against the heads\' subspaces), codeZeroFraction (sparsity: the fraction of exact zeros of the sparse code), density (1 − codeZeroFraction, the normalised ‖Z‖₀) and srr (density + Rc − R, the SRR measure); each averaged over the probe images.'],
  [/^attention-step-\d+\.npy$/, 'attention-step-XXXXXXXX.npy: NumPy float32 (little-endian, C order), shape [layers, images, heads, grid, grid]: each head\'s attention from the class token to the grid × grid image patches (row-major), for the probe images, at step XXXXXXXX; bytes as stored in attention.bin.'],
  [/^probe\.npy$/, 'probe.npy: NumPy float32, shape [images, channels, height, width]: the probe images the layer metrics and attention maps are computed on, normalized as the model sees them (probe.bin).'],
  [/^tensorboard\//, 'tensorboard/events.out.tfevents.<time>.<host>: TensorBoard event file (TFRecord framing with masked CRC-32C, Event protocol buffers): the scalars under their keys and the per-layer metrics as layers/<metric>/layer_NN; open with `tensorboard --logdir <this folder>/tensorboard`.'],
];

export function exportReadme(runDir: string, files: string[], counts: { scalarPoints: number; layerValues: number; probeImages: number | null }): string {
  const lines = [`Export of the CRATE Lab run ${runDir}`, `(${counts.scalarPoints} scalar points, ${counts.layerValues} per-layer values${counts.probeImages === null ? ', no probe images' : `, ${counts.probeImages} probe images`})`, ''];
  for (const [pattern, text] of layouts) {
    const matching = files.filter((f) => pattern.test(f));
    if (matching.length > 0) lines.push(text, `  ${matching.length === 1 ? matching[0] : `${matching.length} files: ${matching[0]} … ${matching[matching.length - 1]}`}`, '');
  }
  return `${lines.join('\n')}\n`;
}
