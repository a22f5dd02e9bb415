// What each layer metric measures and which direction is better, for the headings' hover text.
// Definitions as in docs/models.md ("Metrics"): Z = the tokens entering a layer's MSSA block,
// U_k the heads' subspaces, ε = introspect.codingRateEps. CRATE's layers are derived as steps
// that maximise the sparse rate reduction R(Z) − Rc(Z | U) − λ‖Z‖₀ (Yu et al.; the SRR study).

export type LayerMetricKey = 'R' | 'Rc' | 'srr' | 'codeZeroFraction';

export const layerMetricExplanations: Record<LayerMetricKey, string> = {
  R:
    'R, the coding rate of the layer’s tokens: ½ logdet(I + d/(Nε²) ZᵀZ), in nats, the volume the ' +
    'tokens span. Higher is better: the representation stays spread out and expressive (the ' +
    'expansion term of rate reduction).',
  Rc:
    'Rc, the coding rate of the tokens against the heads’ subspaces: Σₖ ½ logdet(I + p/(Nε²) ' +
    '(UₖᵀZ)ᵀ(UₖᵀZ)), in nats. Lower is better: the tokens are compressed onto the subspaces.',
  srr:
    'The SRR measure: density + Rc − R (density = 1 − the code’s zero fraction, the normalised ' +
    '‖Z‖₀), averaged over the probe images. Lower is better: it is the negative of the sparse rate ' +
    'reduction R − Rc − ‖Z‖₀ that CRATE’s layers maximise.',
  codeZeroFraction:
    'Code sparsity: the fraction of exact zeros in the layer’s sparse code (the ISTA / ODL ' +
    'output; for ViT the GELU hidden layer). Higher is better by the SRR objective: a sparser code.',
};
