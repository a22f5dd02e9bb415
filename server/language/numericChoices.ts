// The values a numeric field can take when they are few, for value completion: the head counts
// that divide the width, the patch sides that divide the image side, the depths of Table 4's
// presets. Read from the YAML tree (documentFacts.ts' way), not from the resolved config, since
// while a value is being typed the config does not resolve.
import type { Document } from 'yaml';
import { defaultImageFolderSize } from '../../trainer/config/dataRules.js';
import { datasetGeometry, type ResolvedData } from '../../trainer/config/index.js';
import { syntheticDefaults } from '../../trainer/data/synthetic.js';
import { presets, shapeLimits, sizeIds } from '../../trainer/model/architecture.js';
import { dataKindOf } from './documentFacts.js';
import { isSize } from './modelFigures.js';
import { scalarAt } from './yamlPosition.js';

export interface NumericChoice {
  value: number;
  /** What the value means here, e.g. "head width 64" (the completion item's detail). */
  detail: string;
}

/** Whole numbers 1…max that divide n. */
export function divisorsOf(n: number, max: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= Math.min(n, max); d++) if (n % d === 0) out.push(d);
  return out;
}

const positiveInt = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined);
const intAt = (yaml: Document, path: string[]): number | undefined => positiveInt(scalarAt(yaml, path)?.value);

/** The model's width as written, else its size preset's. */
function widthOf(yaml: Document): number | undefined {
  const size = scalarAt(yaml, ['model', 'size'])?.value;
  return intAt(yaml, ['model', 'width']) ?? (isSize(size) ? presets[size].dim : undefined);
}

/** The image side the model sees: model.image as written, else the dataset's. */
function imageOf(yaml: Document): number | undefined {
  const written = intAt(yaml, ['model', 'image']);
  if (written) return written;
  const kind = dataKindOf(yaml);
  switch (kind) {
    case 'fashion-mnist':
    case 'cifar10':
      return datasetGeometry({ kind } as ResolvedData).image; // their geometry is fixed
    case 'synthetic-subspaces':
      return intAt(yaml, ['data', 'image']) ?? syntheticDefaults.image;
    case 'image-folder':
      return intAt(yaml, ['data', 'size']) ?? defaultImageFolderSize;
    default:
      return undefined;
  }
}

const patchChoices = (image: number): NumericChoice[] =>
  divisorsOf(image, shapeLimits.patch).map((p) => ({ value: p, detail: `${(image / p) ** 2} patches of ${image}×${image}` }));

/** The few values the field at `path` can take in this config, or undefined when they are not few (or not known). */
export function numericChoices(path: string, yaml: Document): NumericChoice[] | undefined {
  switch (path) {
    case 'model.heads': {
      const width = widthOf(yaml);
      return width ? divisorsOf(width, shapeLimits.heads).map((k) => ({ value: k, detail: `head width ${width / k} (width ${width})` })) : undefined;
    }
    case 'model.patch': {
      const image = imageOf(yaml);
      return image ? patchChoices(image) : undefined;
    }
    case 'data.patch': {
      if (dataKindOf(yaml) !== 'synthetic-subspaces') return undefined;
      return patchChoices(intAt(yaml, ['data', 'image']) ?? syntheticDefaults.image);
    }
    case 'model.depth': {
      const depths = [...new Set(sizeIds.map((s) => presets[s].depth))];
      return depths.map((d) => ({ value: d, detail: `depth of ${sizeIds.filter((s) => presets[s].depth === d).join(', ')} (Table 4)` }));
    }
    default:
      return undefined;
  }
}
