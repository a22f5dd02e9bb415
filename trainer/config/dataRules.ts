// The data section: absolute folders, the defaults that depend on the model, the checks that need
// the disk, and the synthetic set's consistency rules.
import { join } from 'node:path';
import { syntheticFaults } from '../data/synthetic.js';
import { datasetLabels, installHint } from './datasetFacts.js';
import type { ResolvedData } from './resolved.js';
import { type RuleContext, absolute, given, report } from './ruleContext.js';
import type { ConfigValues, DataValues } from './schema.js';

export interface DataResolution {
  data: ResolvedData;
  /** An image folder's class count, when it could be read. */
  folderClasses?: number;
}

/** The side an image folder's images are resized to when neither data.size nor model.image says. */
export const defaultImageFolderSize = 32;

/** `model` is the model section as written (or undefined if invalid): the image folder's size and channels follow it. */
export function resolveData(data: DataValues, model: ConfigValues['model'] | undefined, ctx: RuleContext): DataResolution {
  switch (data.kind) {
    case 'fashion-mnist':
    case 'cifar10': {
      const dir = absolute(ctx, data.dir);
      checkFolder(ctx, data, dir);
      return { data: { ...data, dir } };
    }
    case 'image-folder': {
      const dir = absolute(ctx, data.dir);
      const classes = checkFolder(ctx, data, dir) ? imageFolderClasses(ctx, data, dir) : undefined;
      const size = data.size ?? model?.image ?? defaultImageFolderSize;
      const channels = data.channels ?? (model?.channels === 1 ? 1 : 3);
      return { data: { ...data, dir, size, channels }, folderClasses: classes };
    }
    case 'synthetic-subspaces': {
      const subspaces = data.subspaces ?? data.classes;
      checkSynthetic(ctx, data, subspaces);
      return { data: { ...data, subspaces } };
    }
  }
}

/** True when the folder is there (or the disk is not checked). */
function checkFolder(ctx: RuleContext, data: DataValues, dir: string): boolean {
  if (!ctx.files) return true;
  const kind = ctx.files.kind(dir);
  if (kind === 'directory') return true;
  // A defaulted folder (Fashion-MNIST's) is the kind's fault, not a `dir` line's.
  const at = given(ctx, ['data', 'dir']) ? ['data', 'dir'] : ['data', 'kind'];
  const hint = installHint(data.kind, dir);
  const message = kind === 'missing' ? `${datasetLabels[data.kind]} not found: there is no folder ${dir}${hint ? `; ${hint}` : ''}` : `${dir} is a file, not a folder`;
  report(ctx, at, message, 'path');
  return false;
}

/** Class sub-folders of dir, or of dir/train when it has train/ and test/ (as trainer/data/imageFolder.ts reads them). */
function imageFolderClasses(ctx: RuleContext, data: DataValues, dir: string): number | undefined {
  if (!ctx.files) return undefined;
  const subs = ctx.files.subfolders(dir);
  const hasTrain = subs.includes('train');
  const hasTest = subs.includes('test');
  if (hasTrain !== hasTest) {
    report(ctx, ['data', 'dir'], `${dir} has ${hasTrain ? 'train' : 'test'}/ but no ${hasTrain ? 'test' : 'train'}/: give both, or put the class folders directly in it`, 'path');
    return undefined;
  }
  if (!hasTrain && data.validationFraction === 0) {
    report(ctx, ['data', 'validationFraction'], `${dir} has no test/ split, so validation needs a held-out fraction above 0`, 'rule', 'warning');
  }
  const classes = hasTrain ? ctx.files.subfolders(join(dir, 'train')) : subs;
  if (classes.length === 0) {
    report(ctx, ['data', 'dir'], `${hasTrain ? join(dir, 'train') : dir} holds no class sub-folders (expected <class>/*.png|jpg)`, 'path');
    return undefined;
  }
  return classes.length;
}

/** The generator's own constraints (the same function trainer/data/synthetic.ts checks on open). */
function checkSynthetic(ctx: RuleContext, data: Extract<DataValues, { kind: 'synthetic-subspaces' }>, subspaces: number): void {
  for (const fault of syntheticFaults({ ...data, subspaces })) report(ctx, ['data', fault.field], fault.message);
  // Shifting or mirroring an image moves its patches off the subspaces.
  if (data.augment.cropPadding > 0) report(ctx, ['data', 'augment', 'cropPadding'], 'random crops move the synthetic set’s patches off their subspaces', 'rule', 'warning');
  if (data.augment.flip) report(ctx, ['data', 'augment', 'flip'], 'flips move the synthetic set’s patches off their subspaces', 'rule', 'warning');
}
