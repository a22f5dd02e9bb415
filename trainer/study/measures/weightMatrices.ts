// The "layer weight matrices" the norm measures run over (docs/models.md, Complexity measures):
// every stored parameter of two or more axes that a linear map multiplies by, each once: the patch
// embedding (CRATE-α's conv1 kernel flattened to [d, C·P·P]), each layer's Wqkv (ViT: to_qkv),
// output map (where learned or fixed), dictionary D (and D̂), ViT's two MLP matrices, and the head.
// Biases, LayerNorm gains and the additive CLS and position embeddings are left out, as Jiang et al.
// 2020 leave out biases and batch-norm parameters. A tied map (crate-c's output uses Wqkv again)
// counts once: these are norms of the parameters, not of the maps' uses.
import type { ModelShape } from '../../model/architecture.js';
import { parameterSpecs } from '../../model/parameters.js';
import type { Params } from '../../model/params.js';

export interface WeightMatrix {
  name: string;
  rows: number;
  cols: number;
  /** Row-major rows × cols. */
  data: Float32Array;
}

const additiveEmbeddings = new Set(['cls_token', 'pos_embedding']);

/** The names of the weight matrices of a shape, in parameter order. */
export function weightMatrixNames(s: ModelShape): string[] {
  return parameterSpecs(s)
    .filter((p) => p.shape.length >= 2 && !additiveEmbeddings.has(p.name))
    .map((p) => p.name);
}

export async function weightMatrices(s: ModelShape, params: Params): Promise<WeightMatrix[]> {
  const out: WeightMatrix[] = [];
  for (const name of weightMatrixNames(s)) {
    const t = params[name];
    if (!t) throw new Error(`weight matrix ${name} is missing from the parameters`);
    const [rows, ...rest] = t.shape;
    out.push({ name, rows, cols: rest.reduce((a, b) => a * b, 1), data: (await t.data()) as Float32Array });
  }
  return out;
}
