// The run config language: defaults, diagnostics and their ranges, cross-field rules, file
// checks, the schema walker, hashing, round trips, and a fuzz test that parseConfig never throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  childFields,
  configHash,
  describeSchema,
  type Diagnostic,
  type FileProbe,
  fieldDoc,
  formatDiagnostic,
  loadConfigFile,
  modelShape,
  parseConfig,
  type Range,
  stringifyConfig,
} from '../trainer/config/index.js';
import { presets } from '../trainer/model/architecture.js';
import { Rng } from '../trainer/random/rng.js';

const fixtures = join(__dirname, 'fixtures', 'configs');
const FASHION = '/usr/share/datasets/fashion-mnist';

/** A disk with just these folders (absolute path → sub-folder names). */
function fakeDisk(folders: Record<string, string[]>): FileProbe {
  return {
    kind: (p) => (p in folders ? 'directory' : 'missing'),
    subfolders: (p) => folders[p] ?? [],
  };
}

const disk = fakeDisk({
  [FASHION]: [],
  [join(fixtures, 'valid', 'cifar')]: [],
  [join(fixtures, 'invalid', 'cifar')]: [],
  [join(fixtures, 'valid', 'images')]: ['cat', 'dog', 'emu'],
  '/data/cifar': [],
});

/** The text a range covers. */
function textAt(text: string, r: Range): string {
  const lines = text.split('\n');
  const offset = (p: Range['start']) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return text.slice(offset(r.start), offset(r.end));
}

const FILE = '/work/demo/demo.crate.yaml';
const MINIMAL = 'model: {arch: crate-alpha, size: tiny}\ndata: {kind: synthetic-subspaces}\n';

function parse(text: string, file = FILE) {
  return parseConfig(text, file, { files: disk });
}

/** The one diagnostic of a text, with the text it underlines. */
function only(text: string): Diagnostic & { text: string } {
  const { diagnostics, config } = parse(text);
  assert.equal(diagnostics.length, 1, `expected one diagnostic, got ${JSON.stringify(diagnostics, null, 1)}`);
  if (diagnostics[0].severity === 'error') assert.equal(config, undefined);
  return { ...diagnostics[0], text: textAt(text, diagnostics[0].range) };
}

test('a minimal config resolves with every default filled', () => {
  const { config, diagnostics } = parse(MINIMAL);
  assert.deepEqual(diagnostics, []);
  assert.ok(config);
  assert.equal(config.name, 'demo');
  assert.equal(config.seed, 0);
  assert.equal(config.backend, 'auto');
  assert.equal(config.runsDir, '/work/demo/runs');
  // The tiny preset, with the synthetic set's geometry and patch.
  assert.deepEqual(modelShape(config.model), {
    arch: 'crate-alpha',
    image: 16,
    patch: 4,
    channels: 1,
    dim: presets.tiny.dim,
    depth: presets.tiny.depth,
    heads: presets.tiny.heads,
    classes: 4,
    overcomplete: 4,
    decoupled: true,
    residual: true,
    attentionOnly: false,
  });
  assert.equal(config.model.size, 'tiny');
  assert.equal(config.model.dropout, 0, 'no dropout unless asked for');
  assert.deepEqual(config.optim, {
    batchSize: 128,
    microBatch: 128,
    epochs: 10,
    maxSteps: 0,
    lr: 1e-3,
    minLr: 1e-5,
    warmup: 0.05,
    weightDecay: 0.05,
    betas: [0.9, 0.999],
    eps: 1e-8,
    labelSmoothing: 0.1,
    gradClip: 1,
  });
  assert.equal(config.data.kind, 'synthetic-subspaces');
  if (config.data.kind === 'synthetic-subspaces') assert.equal(config.data.subspaces, config.data.classes);
  assert.deepEqual(config.data.augment, { cropPadding: 0, flip: false });
  assert.deepEqual(config.srr, { weight: 0, layers: 'random', eps: 0.5 });
  assert.deepEqual(config.eval, { every: 'epoch' });
  assert.deepEqual(config.introspect, { every: 200, probeImages: 8, layers: 'all', codingRateEps: 0.5, attention: true });
  assert.deepEqual(config.checkpoint, { every: 500, keep: 3 });
});

test('dataset geometry, relative folders and computed defaults', () => {
  const cifar = parse('model: {arch: crate, size: tiny, patch: 8}\ndata: {kind: cifar10, dir: ../cifar}\n', '/data/x/c.crate.yaml');
  assert.deepEqual(cifar.diagnostics, []);
  assert.equal(cifar.config?.data.kind === 'cifar10' && cifar.config.data.dir, '/data/cifar');
  assert.deepEqual([cifar.config?.model.image, cifar.config?.model.channels, cifar.config?.model.classes], [32, 3, 10]);

  const fashion = parse('model: {arch: crate-alpha, size: tiny, patch: 7}\ndata: {kind: fashion-mnist}\n');
  assert.equal(fashion.config?.data.kind === 'fashion-mnist' && fashion.config.data.dir, FASHION);
  assert.deepEqual([fashion.config?.model.image, fashion.config?.model.channels, fashion.config?.model.classes], [28, 1, 10]);

  // An image folder's classes are its sub-folders; its size and channels follow the model's.
  const folder = parseConfig(readFileSync(join(fixtures, 'valid', 'image-folder.crate.yaml'), 'utf8'), join(fixtures, 'valid', 'image-folder.crate.yaml'), { files: disk });
  assert.deepEqual(folder.diagnostics, []);
  assert.equal(folder.config?.model.classes, 3);
  const sized = parse('model: {arch: vit, size: tiny, image: 64, channels: 1}\ndata: {kind: image-folder, dir: /data/f}\n', FILE);
  assert.equal(sized.config, undefined, 'a missing folder is an error');
  const withFolder = parseConfig('model: {arch: vit, size: tiny, image: 64, channels: 1}\ndata: {kind: image-folder, dir: f}\n', '/d/x.yaml', {
    files: fakeDisk({ '/d/f': ['train', 'test'], '/d/f/train': ['a', 'b'] }),
  });
  assert.deepEqual(withFolder.diagnostics, []);
  const data = withFolder.config?.data;
  assert.ok(data?.kind === 'image-folder');
  assert.deepEqual([data.size, data.channels, withFolder.config?.model.classes], [64, 1, 2]);

  // maxSteps alone bounds the run: epochs then has no limit.
  const steps = parse(MINIMAL + 'optim: {maxSteps: 50}\n');
  assert.deepEqual([steps.config?.optim.epochs, steps.config?.optim.maxSteps], [0, 50]);
  // The name defaults to the file name.
  assert.equal(parse(MINIMAL, '/x/quick start.crate.yaml').config?.name, 'quick start');
});

test('model.attentionOnly reaches the model shape; CRATE-α\'s ODL switches then warn that they do nothing', () => {
  const on = parse('model: {arch: crate-n, depth: 2, width: 8, heads: 2, attentionOnly: true}\ndata: {kind: synthetic-subspaces}\n');
  assert.deepEqual(on.diagnostics, []);
  assert.equal(modelShape(on.config!.model).attentionOnly, true);
  const alpha = parse('model: {arch: crate-alpha, size: tiny, attentionOnly: true, overcomplete: 2}\ndata: {kind: synthetic-subspaces}\n');
  assert.deepEqual(
    alpha.diagnostics.map((d) => [d.path, d.severity, d.message]),
    [['model.overcomplete', 'warning', 'has no effect on crate-alpha: an attention-only model (attentionOnly) has no ODL block']],
  );
  assert.deepEqual(parse('model: {arch: crate-alpha, size: tiny, overcomplete: 2}\ndata: {kind: synthetic-subspaces}\n').diagnostics, []);
});

test('explicit shape fields override the preset without complaint', () => {
  const { config, diagnostics } = parse('model: {arch: crate-alpha, size: base, depth: 2, heads: 4}\ndata: {kind: synthetic-subspaces}\n');
  assert.deepEqual(diagnostics, []);
  assert.deepEqual([config?.model.depth, config?.model.width, config?.model.heads], [2, presets.base.dim, 4]);
});

test('valid fixtures parse without diagnostics', () => {
  const dir = join(fixtures, 'valid');
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.crate.yaml'))) {
    const file = join(dir, name);
    const { config, diagnostics } = parseConfig(readFileSync(file, 'utf8'), file, { files: disk });
    assert.deepEqual(diagnostics, [], name);
    assert.ok(config, name);
  }
});

// Each invalid fixture starts with `# expect: <severity> <code> <path or -> <JSON string of the underlined text>`.
test('every kind of mistake gives exactly one diagnostic, on the right text', () => {
  const dir = join(fixtures, 'invalid');
  const names = readdirSync(dir).filter((f) => f.endsWith('.crate.yaml'));
  assert.ok(names.length >= 25);
  for (const name of names) {
    const file = join(dir, name);
    const text = readFileSync(file, 'utf8');
    const m = /^# expect: (error|warning) (\S+) (\S+) (".*")$/m.exec(text);
    assert.ok(m, `${name} has no expectation`);
    const [, severity, code, path, underlined] = m;
    const { diagnostics } = parseConfig(text, file, { files: disk });
    assert.equal(diagnostics.length, 1, `${name}: ${JSON.stringify(diagnostics, null, 1)}`);
    const d = diagnostics[0];
    assert.deepEqual(
      { severity: d.severity, code: d.code, path: d.path || '-', text: textAt(text, d.range) },
      { severity, code, path, text: JSON.parse(underlined) as string },
      name,
    );
    assert.ok(d.message.length > 10, name);
  }
});

test('messages say what was given and what is allowed', () => {
  assert.match(only(MINIMAL + 'optim: {lr: -1}\n').message, /greater than 0, got -1/);
  assert.match(only(MINIMAL + 'optim: {batchSize: "64"}\n').message, /expected a whole number, got "64" \(it is quoted/);
  assert.match(only(MINIMAL + 'backend: gpu\n').message, /one of auto, tensorflow, webgpu, wasm, cpu; got "gpu"/);
  assert.match(only(MINIMAL + 'optim: {betas: [0.9]}\n').message, /at least 2 items/);
  assert.match(only(MINIMAL + 'optim: {warmup: 2.5}\n').message, /whole number of steps .* or a fraction/);
  assert.match(only(MINIMAL + 'eval: {every: 0}\n').message, /must be at least 1, got 0/);
  assert.match(only(MINIMAL + 'eval: {every: epoc}\n').message, /number of steps .* or "epoch", got "epoc". Did you mean "epoch"\?/);
  assert.match(only(MINIMAL + 'name: a/b\n').message, /must not contain "\/"/);
  const dropout = only('model: {arch: crate, size: tiny, dropout: 1}\ndata: {kind: synthetic-subspaces}\n');
  assert.deepEqual([dropout.path, dropout.text], ['model.dropout', '1']);
  assert.match(dropout.message, /less than 1, got 1/);
  assert.match(only('model: {arch: crate, size: tiny, dropout: -0.1}\ndata: {kind: synthetic-subspaces}\n').message, /at least 0, got -0.1/);
  assert.equal(parse('model: {arch: vit, size: tiny, dropout: 0.1}\ndata: {kind: synthetic-subspaces}\n').config?.model.dropout, 0.1);
  // zod checks this against the safe-integer range and the field's own: one diagnostic, the field's.
  assert.match(only(MINIMAL + 'seed: 1e20\n').message, /must be at most 4294967295, got 100000000000000000000/);
  const empty = only('optim:\n  lr:\n' + MINIMAL);
  assert.equal(empty.text, 'lr', 'an empty value is underlined at its key');
  assert.match(empty.message, /expected a number, got nothing/);
});

test('unknown keys are errors with a suggestion', () => {
  const typo = only(MINIMAL + 'optim:\n  batch_size: 64\n');
  assert.deepEqual([typo.code, typo.text, typo.suggestion], ['unknown-key', 'batch_size', 'batchSize']);
  assert.match(typo.message, /unknown field "batch_size" in optim\. Did you mean "batchSize"\?/);
  // Keys of the data section depend on its kind: `dir` is not a synthetic-subspaces field.
  const wrongKind = only('model: {arch: crate-alpha, size: tiny}\ndata: {kind: synthetic-subspaces, dir: x}\n');
  assert.deepEqual([wrongKind.code, wrongKind.text, wrongKind.path], ['unknown-key', 'dir', 'data.dir']);
  const kindTypo = only('model: {arch: crate-alpha, size: tiny}\ndata: {kind: synthetic-subspaces, subspacedim: 2}\n');
  assert.equal(kindTypo.suggestion, undefined, 'no field of this kind is close');
  const nested = only(MINIMAL + 'data2: 1\n');
  assert.equal(nested.suggestion, 'data');
  const far = only(MINIMAL + 'zzzzzz: 1\n');
  assert.equal(far.suggestion, undefined);
  assert.doesNotMatch(far.message, /Did you mean/);
  const value = only('model: {arch: crate-alpha, size: tiny}\ndata: {kind: synthetic-subspace}\n');
  assert.deepEqual([value.code, value.text, value.suggestion], ['enum', 'synthetic-subspace', 'synthetic-subspaces']);
});

test('several mistakes in different sections are all reported, in document order', () => {
  const text = 'model:\n  arch: crate-alpha\n  size: tiny\n  heads: 5\ndata: {kind: synthetic-subspaces}\noptim: {lrr: 1}\ncheckpoint: {keep: 0}\n';
  const { diagnostics } = parse(text);
  assert.deepEqual(
    diagnostics.map((d) => [d.path, textAt(text, d.range)]),
    [
      ['model.heads', '5'],
      ['optim.lrr', 'lrr'],
      ['checkpoint.keep', '0'],
    ],
  );
});

test('syntax errors have their own ranges and stop further checks', () => {
  const unclosed = only('model: {arch: crate-alpha, size: tiny\ndata: {kind: synthetic-subspaces}\n');
  assert.equal(unclosed.code, 'syntax');
  const quote = only('name: "open\n' + MINIMAL);
  assert.equal(quote.code, 'syntax');
  assert.ok(quote.range.start.line >= 0 && quote.text.length > 0);
  const alias = only(MINIMAL + 'seed: *nothing\n');
  assert.deepEqual([alias.code, alias.text], ['syntax', '*nothing']);
  const complexKey = only('? [a]\n: 1\n' + MINIMAL);
  assert.deepEqual([complexKey.code, complexKey.text], ['syntax', '[a]']);
  const badIndent = parse('model:\n  arch: crate-alpha\n size: tiny\n');
  assert.ok(badIndent.diagnostics.length >= 1 && badIndent.diagnostics.every((d) => d.code === 'syntax'));
  assert.equal(badIndent.diagnostics[0].range.start.line, 2);
});

test('cross-field rules land on the most responsible field', () => {
  // Width given, heads from the preset: the width is to blame.
  const width = only('model: {arch: crate-alpha, size: tiny, width: 100}\ndata: {kind: synthetic-subspaces}\n');
  assert.deepEqual([width.path, width.text], ['model.width', '100']);
  assert.match(width.message, /width 100 is not divisible by heads 3/);
  // Both explicit: heads.
  const heads = only('model: {arch: crate, depth: 2, width: 100, heads: 3, patch: 4}\ndata: {kind: synthetic-subspaces}\n');
  assert.deepEqual([heads.path, heads.text], ['model.heads', '3']);
  // A preset's patch on a 28-pixel image: blame the preset and say which patches would do.
  const preset = only('model: {arch: crate-alpha, size: tiny}\ndata: {kind: fashion-mnist}\n');
  assert.deepEqual([preset.path, preset.text], ['model.size', 'tiny']);
  assert.match(preset.message, /28 is not divisible by patch size 16.*2, 4, 7, 14/);
  // Divisibility against an image folder's size.
  const folder = parseConfig('model: {arch: crate, size: tiny, patch: 5}\ndata: {kind: image-folder, dir: f, size: 32}\n', '/d/x.yaml', {
    files: fakeDisk({ '/d/f': ['a'] }),
  });
  assert.deepEqual(folder.diagnostics.map((d) => d.path), ['model.patch']);
  // Changing a CRATE-α switch on another architecture is only a warning.
  const warn = parse('model: {arch: vit, size: tiny, overcomplete: 2}\ndata: {kind: synthetic-subspaces}\n');
  assert.equal(warn.diagnostics[0].severity, 'warning');
  assert.ok(warn.config, 'warnings do not stop the config');
  // microBatch may equal batchSize, not exceed it.
  assert.deepEqual(parse(MINIMAL + 'optim: {batchSize: 64, microBatch: 64}\n').diagnostics, []);
  assert.equal(only(MINIMAL + 'optim: {batchSize: 64, microBatch: 65}\n').path, 'optim.microBatch');
  // minLr may equal lr.
  assert.deepEqual(parse(MINIMAL + 'optim: {lr: 0.01, minLr: 0.01}\n').diagnostics, []);
  // The synthetic set with another patch than its own: a warning on model.patch.
  const patch = parse('model: {arch: crate, size: tiny, patch: 8}\ndata: {kind: synthetic-subspaces}\n');
  assert.deepEqual(patch.diagnostics.map((d) => [d.severity, d.path]), [['warning', 'model.patch']]);
});

test('file checks are injectable and can be switched off', () => {
  const text = 'model: {arch: crate, size: tiny, patch: 8}\ndata:\n  kind: cifar10\n  dir: cifar\n';
  const missing = parseConfig(text, '/nowhere/x.crate.yaml', { files: fakeDisk({}) });
  assert.deepEqual(missing.diagnostics.map((d) => [d.code, d.path, textAt(text, d.range)]), [['path', 'data.dir', 'cifar']]);
  assert.match(missing.diagnostics[0].message, /no folder \/nowhere\/cifar/);
  const skipped = parseConfig(text, '/nowhere/x.crate.yaml', { files: false });
  assert.deepEqual(skipped.diagnostics, []);
  assert.equal(skipped.config?.data.kind === 'cifar10' && skipped.config.data.dir, '/nowhere/cifar');
  // A defaulted Fashion-MNIST folder that is not installed: on the kind, naming the package.
  const fashionText = 'model: {arch: crate, size: tiny, patch: 7}\ndata: {kind: fashion-mnist}\n';
  const fashion = parseConfig(fashionText, FILE, { files: fakeDisk({}) });
  assert.equal(fashion.diagnostics.length, 1);
  assert.equal(textAt(fashionText, fashion.diagnostics[0].range), 'fashion-mnist');
  assert.match(fashion.diagnostics[0].message, /apt-get install dataset-fashion-mnist/);
  // The real disk: this test file's own folder exists, a random one does not.
  const real = parseConfig(`model: {arch: crate, size: tiny, patch: 8}\ndata: {kind: cifar10, dir: ${fixtures}}\n`, FILE);
  assert.deepEqual(real.diagnostics, []);
  // A runs directory that is a file.
  const runs = parseConfig(MINIMAL + `runsDir: ${__filename}\n`, FILE);
  assert.deepEqual(runs.diagnostics.map((d) => [d.code, d.path]), [['path', 'runsDir']]);
  // An image folder with train/ but no test/.
  const half = parseConfig('model: {arch: crate, size: tiny, patch: 8}\ndata: {kind: image-folder, dir: f}\n', '/d/x.yaml', { files: fakeDisk({ '/d/f': ['train'] }) });
  assert.match(half.diagnostics[0].message, /train\/ but no test\//);
});

test('the config hash depends on values, not on key order, comments or spelled-out defaults', () => {
  const a = parse('# a comment\nmodel: {arch: crate-alpha, size: tiny}\ndata: {kind: synthetic-subspaces}\noptim: {lr: 0.002, batchSize: 64}\n').config;
  const b = parse('optim:\n  batchSize: 64   # smaller\n  lr: 2.0e-3\ndata:\n  kind: synthetic-subspaces\nmodel:\n  size: tiny\n  arch: crate-alpha\nseed: 0\n').config;
  const c = parse('model: {arch: crate-alpha, size: tiny}\ndata: {kind: synthetic-subspaces}\noptim: {lr: 0.003, batchSize: 64}\n').config;
  assert.ok(a && b && c);
  assert.match(configHash(a), /^[0-9a-f]{64}$/);
  assert.equal(configHash(a), configHash(b));
  assert.notEqual(configHash(a), configHash(c));
  assert.notEqual(configHash(a), configHash({ ...a, model: { ...a.model, residual: false } }));
});

test('stringify → parse gives back the same resolved config', () => {
  for (const name of readdirSync(join(fixtures, 'valid')).filter((f) => f.endsWith('.crate.yaml'))) {
    const file = join(fixtures, 'valid', name);
    const first = parseConfig(readFileSync(file, 'utf8'), file, { files: disk }).config;
    assert.ok(first, name);
    const text = stringifyConfig(first);
    // Written into a run directory elsewhere, it still means the same (paths are absolute).
    const again = parseConfig(text, '/elsewhere/runs/r1/config.yaml', { files: disk });
    assert.deepEqual(again.diagnostics, [], name);
    assert.deepEqual(again.config, first, name);
    assert.equal(configHash(again.config!), configHash(first), name);
  }
  const text = stringifyConfig(parse(MINIMAL).config!);
  assert.match(text, /^name: demo$/m);
  assert.match(text, /betas: \[ 0\.9, 0\.999 \]/);
  assert.ok(text.indexOf('model:') < text.indexOf('data:') && text.indexOf('data:') < text.indexOf('optim:'), 'schema order');
});

test('loadConfigFile: a config, or a ConfigError listing file:line:col for each error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crate-config-'));
  const good = join(dir, 'good.crate.yaml');
  writeFileSync(good, MINIMAL);
  assert.equal(loadConfigFile(good).config.name, 'good');
  const bad = join(dir, 'bad.crate.yaml');
  writeFileSync(bad, MINIMAL + 'optim:\n  lr: 0\n  lrr: 1\n');
  assert.throws(
    () => loadConfigFile(bad),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(e.message.split('\n'), [
        `${bad}:4:7: optim.lr: must be greater than 0, got 0`,
        `${bad}:5:3: optim.lrr: unknown field "lrr" in optim. Did you mean "lr"?`,
      ]);
      return true;
    },
  );
  assert.throws(() => loadConfigFile(join(dir, 'absent.crate.yaml')), /absent\.crate\.yaml: cannot read the config: no such file/);
  const warned = join(dir, 'warned.crate.yaml');
  writeFileSync(warned, 'model: {arch: crate, size: tiny, residual: false}\ndata: {kind: synthetic-subspaces}\n');
  const { warnings } = loadConfigFile(warned);
  assert.deepEqual(warnings.map((w) => formatDiagnostic('w.yaml', w)), ['w.yaml:1:44: warning: model.residual: has no effect on crate: only crate-alpha has the ODL switches']);
});

test('the schema walker gives every field a description, a default and a range or enum', () => {
  const fields = describeSchema();
  assert.ok(fields.length > 60);
  for (const f of fields) {
    assert.ok(f.description.length > 5, `${f.path} has no description`);
    const isSection = f.values.length === 1 && f.values[0].type === 'mapping';
    if (isSection) continue;
    assert.ok(f.default !== undefined || f.computedDefault !== undefined || f.required, `${f.path} has no default`);
    for (const v of f.values) {
      if (v.type === 'integer' || v.type === 'number') assert.ok(v.enum || (v.minimum ?? v.exclusiveMinimum) !== undefined, `${f.path} has no range`);
      if (v.type === 'integer' || v.type === 'number') assert.ok(v.enum || (v.maximum ?? v.exclusiveMaximum) !== undefined, `${f.path} has no upper bound`);
    }
  }
  assert.deepEqual(fieldDoc('optim.lr'), {
    path: 'optim.lr',
    key: 'lr',
    description: 'Peak learning rate (AdamW), reached after warm-up.',
    values: [{ type: 'number', exclusiveMinimum: 0, maximum: 10 }],
    default: 0.001,
    required: false,
  });
  assert.deepEqual(fieldDoc('model.arch')?.values, [{ type: 'string', enum: ['crate-alpha', 'crate', 'crate-c', 'crate-n', 'crate-t', 'crate-fix', 'crate-identity', 'vit'] }]);
  assert.equal(fieldDoc('model.image')?.computedDefault, 'from the dataset');
  // Hover and completion of model.dropout: its range, default 0, and where it applies.
  const dropout = fieldDoc('model.dropout');
  assert.deepEqual([dropout?.values, dropout?.default], [[{ type: 'number', minimum: 0, exclusiveMaximum: 1 }], 0]);
  assert.match(dropout?.description ?? '', /attention weights .* Off at evaluation and inference/);
  assert.deepEqual(fieldDoc('eval.every')?.values.map((v) => v.type), ['integer', 'string']);
  const kind = fieldDoc('data.kind');
  assert.deepEqual(kind?.values, [{ type: 'string', enum: ['fashion-mnist', 'cifar10', 'image-folder', 'synthetic-subspaces'] }]);
  assert.match(kind?.valueDescriptions?.cifar10 ?? '', /CIFAR-10/);
  // Fields that depend on the dataset kind.
  assert.equal(fieldDoc('data.dir', 'fashion-mnist')?.default, FASHION);
  assert.equal(fieldDoc('data.dir', 'cifar10')?.required, true);
  assert.equal(fieldDoc('data.augment.cropPadding', 'cifar10')?.default, 4);
  assert.deepEqual(childFields('').map((f) => f.key), ['name', 'seed', 'backend', 'threads', 'device', 'model', 'data', 'optim', 'srr', 'eval', 'introspect', 'checkpoint', 'runsDir', 'sweep']);
  const cifarKeys = childFields('data', 'cifar10').map((f) => f.key);
  assert.deepEqual(cifarKeys, ['kind', 'dir', 'validationFraction', 'augment', 'normalize']);
  assert.ok(childFields('data').some((f) => f.key === 'rank'), 'without a kind, every kind’s keys');
});

test('fuzz: 500 mutated configs never make parseConfig throw', async () => {
  const seeds = [MINIMAL, ...readdirSync(join(fixtures, 'valid')).map((f) => readFileSync(join(fixtures, 'valid', f), 'utf8'))];
  const tokens = [':', ' ', '\n', '  ', '-', '[', ']', '{', '}', ',', '"', "'", '#', '&a', '*a', '!', '!!int', '?', '|', '>', '\t', '---', '...', '%YAML 1.2\n', '? [a]\n: 1\n', '<<: {a: 1}\n'];
  const values = ['-1', '0', '1e400', '.nan', '-.inf', 'null', '~', '[]', '{}', 'yes', '"x"', 'x'.repeat(300), '12.5', '[1, 2, 3]', 'random', 'epoch', '{a: 1}', '&x [*x]', '*a'];
  const rng = new Rng(20240611);
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)];
  let withConfig = 0;
  // Nothing may go to stderr either: the language server's stderr is its log.
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  for (let i = 0; i < 500; i++) {
    let text = pick(seeds);
    for (let n = 1 + rng.int(3); n > 0; n--) {
      const at = rng.int(text.length + 1);
      const lines = text.split('\n');
      switch (rng.int(5)) {
        case 0:
          text = text.slice(0, at) + text.slice(at + 1 + rng.int(4));
          break;
        case 1:
          text = text.slice(0, at) + pick(tokens) + text.slice(at);
          break;
        case 2: {
          // Replace a value after a colon.
          const l = rng.int(lines.length);
          lines[l] = lines[l].replace(/:\s*[^\s{}[\],]+/, `: ${pick(values)}`);
          text = lines.join('\n');
          break;
        }
        case 3: {
          const l = rng.int(lines.length);
          lines.splice(rng.int(lines.length), 0, lines[l]);
          text = lines.join('\n');
          break;
        }
        default: {
          const l = rng.int(lines.length);
          lines[l] = lines[l].replace(/^\s*/, ' '.repeat(rng.int(5)));
          text = lines.join('\n');
        }
      }
    }
    let result: ReturnType<typeof parseConfig>;
    try {
      result = parseConfig(text, FILE, { files: disk });
    } catch (e) {
      assert.fail(`parseConfig threw on mutation ${i}: ${(e as Error).stack}\n--- text ---\n${text}`);
    }
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    assert.equal(result.config === undefined, errors.length > 0, `mutation ${i}: a config exactly when there is no error\n${text}`);
    const lineCount = text.split('\n').length;
    for (const d of result.diagnostics) {
      const { start, end } = d.range;
      assert.ok(start.line >= 0 && start.character >= 0 && end.line < lineCount, `mutation ${i}: range outside the text`);
      assert.ok(start.line < end.line || (start.line === end.line && start.character <= end.character), `mutation ${i}: reversed range`);
      assert.ok(d.message.length > 0);
    }
    if (result.config) {
      withConfig++;
      stringifyConfig(result.config);
    }
  }
  await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
  process.off('warning', onWarning);
  assert.deepEqual(warnings, []);
  // The mutations are mild enough that some configs survive, and strong enough that most do not.
  assert.ok(withConfig > 10 && withConfig < 450, `${withConfig} of 500 mutated configs were valid`);
});

test('hostile texts: refused before parsing when too long or too deep, aliases bounded, diagnostics capped (issue 11)', () => {
  const tooLong = parse(`${MINIMAL}# ${'x'.repeat(256 * 1024)}\n`);
  assert.equal(tooLong.diagnostics.length, 1);
  assert.match(tooLong.diagnostics[0].message, /^the config is \d+ characters long; a run config is at most 262144 \(256 KB\)$/);
  const deep = parse(`seed: ${'['.repeat(65)}${']'.repeat(65)}\n${MINIMAL}`);
  assert.deepEqual(deep.diagnostics.map((d) => d.message), ['brackets nest 65 levels deep; a run config nests at most 64']);
  // Brackets inside quotes and comments are no nesting.
  assert.equal(parse(`${MINIMAL}name: "${'['.repeat(100)}" # ${'{'.repeat(100)}\n`).diagnostics.length, 0);
  const aliases = only(`x: &x 1\nl: [${Array.from({ length: 101 }, () => '*x').join(', ')}]\n${MINIMAL}`);
  assert.match(aliases.message, /^more than 100 aliases/);
  // 101 aliases on line 2, each "*x" 2 characters with ", " between: the 101st starts at 4 + 100 × 4.
  assert.deepEqual(aliases.range.start, { line: 1, character: 404 });
  // 30 names: the first is no duplicate, 29 are.
  const duplicates = parse(`${MINIMAL}${'name: x\n'.repeat(30)}`).diagnostics;
  assert.equal(duplicates.length, 21);
  assert.deepEqual(duplicates.slice(0, 20).map((d) => [d.message, d.range.start.character, d.range.end.character]), Array(20).fill(['Map keys must be unique', 0, 4]));
  assert.equal(duplicates[20].message, 'and 9 more syntax problems');
  const unknown = parse(`${MINIMAL}${Array.from({ length: 25 }, (_, i) => `k${i}: 1\n`).join('')}`).diagnostics;
  assert.equal(unknown.length, 21);
  assert.equal(unknown[20].message, 'and 5 more problems');
});
