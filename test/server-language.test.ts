// The language server as an editor sees it: the real bundle (dist/server/server.js, and the CLI's
// `crate-lab lsp --stdio`) spawned as a process, spoken to over stdio with real JSON-RPC.
// Expected ranges are found in the fixture texts by the test itself, not copied from the server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type CodeAction,
  CodeActionRequest,
  CodeLensRefreshRequest,
  CodeLensRequest,
  type CompletionItem,
  CompletionRequest,
  type Diagnostic,
  DiagnosticSeverity,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  HoverRequest,
  type InitializeResult,
  InlayHintRefreshRequest,
  InlayHintRequest,
  type MarkupContent,
  PublishDiagnosticsNotification,
  type PublishDiagnosticsParams,
  type Range,
} from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { modelShape, parseConfig } from '../trainer/config/index.js';
import { archIds } from '../trainer/model/architecture.js';
import { countParameters, parameterSpecs } from '../trainer/model/parameters.js';
import { readSafetensors } from '../trainer/io/safetensors.js';
import { latestCheckpointDir } from '../trainer/run/checkpoints.js';
import { processIdentity } from '../trainer/run/trainerProcess.js';
import { commands, type CompareRunsArguments, type LaunchSweepArguments, type ResumeLatestArguments } from '../protocol/commands.js';
import { cliPath, runCli } from './support/cli.js';
import { repoRoot } from './support/reference.js';
import { events } from './support/runs.js';
import { hostileConfigs } from './support/hostileConfigs.js';
import { LanguageServer, type LanguageServerOptions, serverPath } from './support/languageServer.js';
import { waitFor } from './support/waitFor.js';

const fixtures = join(repoRoot, 'test', 'fixtures', 'lsp');

/** The server as VS Code uses it: it keeps the published diagnostics and answers refresh requests. */
class Client extends LanguageServer {
  private readonly published: PublishDiagnosticsParams[] = [];
  private readonly waiters: (() => void)[] = [];
  /** How many times the server asked to refresh code lenses / inlay hints. */
  readonly refreshes = { codeLens: 0, inlayHint: 0 };

  constructor(options?: LanguageServerOptions) {
    super(options);
    this.connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      this.published.push(p);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.connection.onRequest(CodeLensRefreshRequest.type, () => {
      this.refreshes.codeLens++;
    });
    this.connection.onRequest(InlayHintRefreshRequest.type, () => {
      this.refreshes.inlayHint++;
    });
  }

  /** Waits until the server asks to refresh `kind` more than `seen` times in all. */
  async refreshed(kind: keyof Client['refreshes'], seen: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.refreshes[kind] <= seen) {
      if (Date.now() > deadline) throw new Error(`no ${kind} refresh; server stderr: ${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  override initialize(initializationOptions: object = {}): Promise<InitializeResult> {
    // A client like VS Code: it refreshes code lenses and inlay hints when the server asks.
    return super.initialize(initializationOptions, { workspace: { codeLens: { refreshSupport: true }, inlayHint: { refreshSupport: true } } });
  }

  /** The diagnostics published for `uri` at `version`. */
  async diagnostics(uri: string, version: number, timeoutMs = 10_000): Promise<Diagnostic[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.published.find((p) => p.uri === uri && p.version === version);
      if (found) return found.diagnostics;
      if (Date.now() > deadline) throw new Error(`no diagnostics for ${uri} v${version}; server stderr: ${this.stderr}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  async open(uri: string, text: string, version = 1): Promise<void> {
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'yaml', version, text } });
  }
}

const uriOf = (file: string): string => pathToFileURL(file).href;
const fixture = (name: string) => {
  const file = join(fixtures, name);
  return { uri: uriOf(file), text: readFileSync(file, 'utf8'), file };
};

/** The range of `token` on the first line containing `lineText` (the last occurrence of token on it). */
function rangeOf(text: string, lineText: string, token: string): Range {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(lineText));
  assert.ok(line >= 0, `no line with ${lineText}`);
  const character = lines[line].lastIndexOf(token);
  return { start: { line, character }, end: { line, character: character + token.length } };
}

const markdown = (contents: unknown): string => (contents as MarkupContent).value;
const labels = (items: CompletionItem[] | { items: CompletionItem[] } | null): string[] =>
  (Array.isArray(items) ? items : (items?.items ?? [])).map((i) => i.label);

let client: Client;
before(async () => {
  const built = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs')], { encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  client = new Client();
  // No wait after an edit: the fuzz test checks every version, one after another.
  const init = await client.initialize({ diagnosticsDelayMs: 0 });
  assert.ok(init.capabilities.hoverProvider);
});
after(async () => {
  await client?.stop();
});

test('diagnostics: exact ranges, codes and severities for each kind of mistake', async () => {
  const cases: { file: string; line: string; token: string; code: string; message: RegExp }[] = [
    { file: 'syntax-error.crate.yaml', line: 'srr:', token: '1', code: 'syntax', message: /Flow sequence/ },
    { file: 'unknown-key.crate.yaml', line: 'lrr:', token: 'lrr', code: 'unknown-key', message: /unknown field "lrr".*Did you mean "lr"/ },
    { file: 'wrong-type.crate.yaml', line: 'lr: fast', token: 'fast', code: 'type', message: /expected a number/ },
    { file: 'out-of-range.crate.yaml', line: 'labelSmoothing', token: '1.5', code: 'range', message: /less than 1/ },
    { file: 'heads-do-not-divide.crate.yaml', line: 'heads: 5', token: '5', code: 'rule', message: /not divisible by heads 5/ },
    { file: 'patch-does-not-divide.crate.yaml', line: 'patch: 5', token: '5', code: 'rule', message: /image size 16 is not divisible by patch size 5/ },
    { file: 'missing-dir.crate.yaml', line: 'dir:', token: 'no-such-folder', code: 'path', message: /no folder .*lsp\/no-such-folder/ },
  ];
  for (const c of cases) {
    const { uri, text } = fixture(c.file);
    await client.open(uri, text);
    const errors = (await client.diagnostics(uri, 1)).filter((d) => d.severity === 1);
    assert.equal(errors.length, 1, `${c.file}: ${JSON.stringify(errors)}`);
    const [d] = errors;
    assert.deepEqual(d.range, rangeOf(text, c.line, c.token), c.file);
    assert.equal(d.code, c.code, c.file);
    assert.equal(d.source, 'crate-lab');
    assert.match(typeof d.message === 'string' ? d.message : d.message.value, c.message, c.file);
    if (c.code === 'unknown-key') assert.deepEqual(d.data, { path: 'optim.lrr', suggestion: 'lr' });
  }
  const valid = fixture('valid.crate.yaml');
  await client.open(valid.uri, valid.text);
  assert.deepEqual(await client.diagnostics(valid.uri, 1), []);
});

test('completion: keys of the mapping at the cursor (minus those written) and enumerated values', async () => {
  const uri = uriOf(join(fixtures, 'completion.crate.yaml')); // not on disk: the text is the client's
  const text = ['model:', '  arch: ', '  size: tiny', '  ', 'data:', '  kind: synthetic-subspaces', 'optim: {batchSize: 8, ', 'backend: ', ''].join('\n');
  await client.open(uri, text);
  const complete = (line: number, character: number) =>
    client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line, character } }) as Promise<CompletionItem[]>;

  const topLevel = await complete(8, 0);
  for (const key of ['name', 'seed', 'srr', 'eval', 'runsDir']) assert.ok(labels(topLevel).includes(key), `top level lacks ${key}`);
  for (const key of ['model', 'data', 'optim', 'backend', 'depth']) assert.ok(!labels(topLevel).includes(key), `top level offers ${key}`);

  const inModel = await complete(3, 2);
  assert.deepEqual(labels(inModel).slice(0, 4), ['depth', 'width', 'heads', 'patch']);
  for (const key of ['arch', 'size', 'lr']) assert.ok(!labels(inModel).includes(key), `model offers ${key}`);
  const heads = inModel.find((i) => i.label === 'heads')!;
  assert.match(markdown(heads.documentation), /Attention heads K/);
  assert.match(markdown(heads.documentation), /≥ 1, ≤ 256/);
  const overcomplete = inModel.find((i) => i.label === 'overcomplete')!;
  assert.match(markdown(overcomplete.documentation), /default: `4`/);

  assert.deepEqual(labels(await complete(1, 8)), [...archIds]);
  const inFlow = labels(await complete(6, 22));
  assert.ok(inFlow.includes('lr') && inFlow.includes('microBatch') && !inFlow.includes('batchSize'), inFlow.join());
  assert.deepEqual(labels(await complete(7, 9)), ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu']);
  // data.kind's own values, each with its description.
  const kinds = await complete(5, 8);
  assert.ok(labels(kinds).includes('cifar10'), labels(kinds).join());
});

test('completion inside flow mappings written over several lines: keys (minus those written before and after the cursor) and values', async () => {
  const uri = uriOf(join(fixtures, 'flow-completion.crate.yaml')); // not on disk: the text is the client's
  const text = [
    'model: {',
    '  arch: ,',
    '  size: tiny,',
    '  ',
    '  residual: true',
    '}',
    'data: {kind: synthetic-subspaces,',
    '  augment: {flip: true,',
    '    ',
    '  },',
    '  ',
    '}',
    'optim: {batchSize: 8, lr: "a, b: {", ',
    'backend: ',
    '',
  ].join('\n');
  await client.open(uri, text);
  const complete = async (line: number, character: number) =>
    labels((await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line, character } })) as CompletionItem[]);

  assert.deepEqual(await complete(1, 8), [...archIds]);
  const inModel = await complete(3, 2);
  assert.deepEqual(inModel.slice(0, 4), ['depth', 'width', 'heads', 'patch']);
  for (const key of ['arch', 'size', 'residual', 'kind']) assert.ok(!inModel.includes(key), `model offers ${key}: ${inModel.join()}`);
  assert.deepEqual(await complete(8, 4), ['cropPadding']);
  const inData = await complete(10, 2);
  assert.ok(inData.includes('trainSize') && inData.includes('noise'), inData.join());
  for (const key of ['kind', 'augment', 'arch']) assert.ok(!inData.includes(key), `data offers ${key}: ${inData.join()}`);
  // A quoted string's brackets and commas are text; the mapping goes on after it.
  const inOptim = await complete(12, 37);
  assert.ok(inOptim.includes('microBatch') && !inOptim.includes('lr') && !inOptim.includes('batchSize'), inOptim.join());
  // Past the closed (and the unclosed but ended) flow mappings, block completion as usual.
  assert.deepEqual(await complete(13, 9), ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu']);
});

test('completion: the few valid numbers of heads (dividing the width), patch (dividing the image) and depth (Table 4 presets)', async () => {
  const complete = async (uri: string, line: number, character: number) =>
    ((await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line, character } })) as CompletionItem[]).map((i) => Number(i.label));
  // Width 100 written; CIFAR-10 images are 32×32. The value being typed is empty, so the config does not resolve.
  const explicit = uriOf(join(fixtures, 'numbers.crate.yaml'));
  await client.open(explicit, ['model:', '  arch: crate-alpha', '  width: 100', '  heads: ', '  patch: ', '  depth: ', 'data: {kind: cifar10}', ''].join('\n'));
  assert.deepEqual(await complete(explicit, 3, 9), [1, 2, 4, 5, 10, 20, 25, 50, 100]);
  assert.deepEqual(await complete(explicit, 4, 9), [1, 2, 4, 8, 16, 32]);
  assert.deepEqual(await complete(explicit, 5, 9), [12, 24, 32]);
  // Width from the size preset (tiny: 192); the synthetic set's image side as written, in a flow mapping.
  const preset = uriOf(join(fixtures, 'numbers-preset.crate.yaml'));
  await client.open(preset, ['model: {arch: crate, size: tiny, heads: , patch: }', 'data: {kind: synthetic-subspaces, image: 24, patch: }', ''].join('\n'));
  assert.deepEqual(await complete(preset, 0, 40), [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 192]);
  assert.deepEqual(await complete(preset, 0, 49), [1, 2, 3, 4, 6, 8, 12, 24]);
  assert.deepEqual(await complete(preset, 1, 52), [1, 2, 3, 4, 6, 8, 12, 24]);
});

test('quick fixes: a divisibility error offers the nearest valid values of each field, and each edit makes the config valid', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'crate-lsp-fix-'));
  let n = 0;
  /** The quick fixes of the one error of `text`, each as [title, the text after its edit]. */
  const fixesOf = async (text: string) => {
    const file = join(dir, `fix-${++n}.crate.yaml`);
    const uri = uriOf(file);
    await client.open(uri, text);
    const errors = (await client.diagnostics(uri, 1)).filter((d) => d.severity === DiagnosticSeverity.Error);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    const actions = ((await client.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: errors[0].range, context: { diagnostics: errors } })) ?? []) as CodeAction[];
    return actions.map((a) => {
      assert.equal(a.kind, 'quickfix');
      assert.deepEqual(a.diagnostics, errors);
      const edits = a.edit!.changes![uri];
      const after = TextDocument.applyEdits(TextDocument.create(uri, 'yaml', 1, text), edits);
      // Each edit gives a config with no error (checked by the config parser, not the server).
      const errorsAfter = parseConfig(after, file, { files: false }).diagnostics.filter((d) => d.severity === 'error');
      assert.deepEqual(errorsAfter, [], `${a.title}:\n${after}`);
      return [a.title, after];
    });
  };
  // Width 100, 3 heads: heads 2 or 4 (nearest divisors of 100), width 99 or 102 (nearest multiples of 3).
  const block = ['model:', '  arch: crate-alpha', '  depth: 1', '  width: 100', '  heads: 3', 'data: {kind: synthetic-subspaces}', ''].join('\n');
  assert.deepEqual(await fixesOf(block), [
    ['Set heads to 2', block.replace('heads: 3', 'heads: 2')],
    ['Set heads to 4', block.replace('heads: 3', 'heads: 4')],
    ['Set width to 99', block.replace('width: 100', 'width: 99')],
    ['Set width to 102', block.replace('width: 100', 'width: 102')],
  ]);
  // Width 192 from the size preset, 5 heads: heads 4 or 6; width 190 or 195 is added to the mapping (flow, then block with a comment).
  const flow = 'model: {arch: crate-alpha, size: tiny, heads: 5}\ndata: {kind: synthetic-subspaces}\n';
  assert.deepEqual(await fixesOf(flow), [
    ['Set heads to 4', flow.replace('heads: 5', 'heads: 4')],
    ['Set heads to 6', flow.replace('heads: 5', 'heads: 6')],
    ['Set width to 190', flow.replace('heads: 5', 'heads: 5, width: 190')],
    ['Set width to 195', flow.replace('heads: 5', 'heads: 5, width: 195')],
  ]);
  const commented = 'model:\n  arch: crate-alpha\n  size: tiny\n  heads: 5  # five\ndata: {kind: synthetic-subspaces}\n';
  assert.deepEqual((await fixesOf(commented)).slice(2), [
    ['Set width to 190', commented.replace('# five\n', '# five\n  width: 190\n')],
    ['Set width to 195', commented.replace('# five\n', '# five\n  width: 195\n')],
  ]);
  // The synthetic images are 16×16, patch 5: patch 4 or 8.
  const patch = fixture('patch-does-not-divide.crate.yaml').text;
  assert.deepEqual(await fixesOf(patch), [
    ['Set patch to 4', patch.replace('patch: 5', 'patch: 4')],
    ['Set patch to 8', patch.replace('patch: 5', 'patch: 8')],
  ]);
  // A sweep member's error lies on the grid value, which the sweep overrides the base with: no fix of the base's field.
  const sweep = ['model:', '  arch: crate-alpha', '  depth: 1', '  width: 100', '  heads: 2', 'data: {kind: synthetic-subspaces}', 'sweep:', '  grid:', '    model.heads: [2, 3]', ''].join('\n');
  assert.deepEqual(await fixesOf(sweep), []);
  // A typo's "did you mean" is a quick fix too.
  const typo = fixture('unknown-key.crate.yaml').text;
  assert.deepEqual(await fixesOf(typo), [['Change to "lr"', typo.replace('lrr:', 'lr:')]]);
});

test('learning rate: a warning outside AdamW’s plausible range (1e-5 to 1e-2) on the value, none inside it', async () => {
  let n = 0;
  const warningsOf = async (lr: string) => {
    const text = `model: {arch: crate-alpha, size: tiny}\ndata: {kind: synthetic-subspaces}\noptim:\n  minLr: 0\n  lr: ${lr}\n`;
    const uri = uriOf(join(fixtures, `lr-${++n}.crate.yaml`)); // not on disk
    await client.open(uri, text);
    const diagnostics = await client.diagnostics(uri, 1);
    assert.ok(diagnostics.every((d) => d.severity === DiagnosticSeverity.Warning), JSON.stringify(diagnostics));
    for (const d of diagnostics) assert.deepEqual(d.range, rangeOf(text, 'lr:', lr));
    return diagnostics.map((d) => [String(d.code), String(d.message)] as const);
  };
  const [[code, high]] = await warningsOf('0.05');
  assert.equal(code, 'lr-range');
  assert.match(high, /^learning rate 0\.05 is outside AdamW's usual range of 1e-5 to 1e-2: .*diverge/);
  const [[, low]] = await warningsOf('3.0e-6');
  assert.match(low, /^learning rate 0\.000003 is outside AdamW's usual range of 1e-5 to 1e-2: .*barely move/);
  for (const lr of ['0.01', '1.0e-5', '0.002']) assert.deepEqual(await warningsOf(lr), [], lr);
});

test('hover: every key explains itself; size and arch show Table 4 and this config’s figures', async () => {
  const { uri, text, file } = fixture('valid.crate.yaml');
  await client.open(uri, text);
  const hoverAt = async (line: string, token: string) => {
    const range = rangeOf(text, line, token);
    const h = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: range.start.line, character: range.start.character + 1 } });
    assert.ok(h, `no hover on ${token}`);
    assert.deepEqual(h.range, range);
    return markdown(h.contents);
  };
  const lr = await hoverAt('lr:', 'lr');
  assert.match(lr, /Peak learning rate/);
  assert.match(lr, /default: `0.001`/);
  assert.match(lr, /> 0, ≤ 10/);
  for (const key of ['name', 'model', 'arch', 'data', 'kind', 'trainSize', 'optim']) assert.ok(await hoverAt(`${key}:`, key), key);

  const parameters = countParameters(modelShape(parseConfig(text, file).config!.model));
  const grouped = parameters.toLocaleString('en-US');
  const size = await hoverAt('size: tiny', 'tiny');
  assert.match(size, /\| tiny \| 12 \| 192 \| 3 \| 16 \| 4\.8M \| 1\.7M \|/);
  assert.ok(size.includes(grouped), `${grouped} not in ${size}`);
  const arch = await hoverAt('arch: crate-alpha', 'crate-alpha');
  assert.match(arch, /\| huge \| 32 \| 1280 \| 16 \| 14 \| 526\.8M \| 159\.8M \|/);
  assert.ok(arch.includes(grouped));
  // The keys show the same: size its value's row (only), arch the whole table.
  const sizeKey = await hoverAt('size: tiny', 'size');
  assert.match(sizeKey, /\| tiny \| 12 \| 192 \| 3 \| 16 \| 4\.8M \| 1\.7M \|/);
  assert.doesNotMatch(sizeKey, /\| small \|/);
  assert.ok(sizeKey.includes(grouped), sizeKey);
  const archKey = await hoverAt('arch: crate-alpha', 'arch');
  assert.match(archKey, /\| huge \| 32 \| 1280 \| 16 \| 14 \| 526\.8M \| 159\.8M \|/);
  assert.match(archKey, /\| tiny \| 12 \| 192 \|/);
});

/**
 * The longest label an inlay hint may have: VS Code cuts longer ones off with "…"
 * (`editor.inlayHints.maximumLength`, 43 by default), and a margin keeps them whole.
 */
const maxHintLabel = 30;

test('inlay hints: parameter count and FLOPs at the model key, in a label VS Code never cuts off', async () => {
  const { uri, text, file } = fixture('valid.crate.yaml');
  await client.open(uri, text);
  const hints = await client.connection.sendRequest(InlayHintRequest.type, { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 20, character: 0 } } });
  assert.equal(hints?.length, 1);
  const [hint] = hints!;
  assert.deepEqual(hint.position, { line: 2, character: 'model:'.length });
  const parameters = countParameters(modelShape(parseConfig(text, file).config!.model));
  assert.match(String(hint.label), new RegExp(`^${Number((parameters / 1e6).toPrecision(3))}M params · [\\d.]+[KMG] FLOPs$`));
  assert.ok(String(hint.label).length <= maxHintLabel, String(hint.label));
  // The detail is in the tooltip: the exact count, and that the FLOPs are per image, forward.
  assert.ok(markdown(hint.tooltip).includes(parameters.toLocaleString('en-US')));
  assert.match(markdown(hint.tooltip), /FLOPs per image \(forward\)/);
  // A sweep over the member limit (1,000): the count and the limit, shortly; the tooltip says what it means.
  const sweepUri = uriOf(join(fixtures, 'huge-sweep.crate.yaml'));
  const sweepText = `${text}sweep:\n  seeds: [${Array.from({ length: 1001 }, (_, i) => i).join(', ')}]\n`;
  await client.open(sweepUri, sweepText);
  const sweepHints = (await client.connection.sendRequest(InlayHintRequest.type, { textDocument: { uri: sweepUri }, range: { start: { line: 0, character: 0 }, end: { line: 20, character: 0 } } })) ?? [];
  const over = sweepHints.find((h) => h.position.line === sweepText.split('\n').indexOf('sweep:'));
  assert.equal(over?.label, '1,001 runs (max 1,000)');
  assert.match(markdown(over.tooltip), /Over the limit of 1,000 members/);
  // A config with errors has no figures to show.
  const broken = fixture('heads-do-not-divide.crate.yaml');
  await client.open(broken.uri, broken.text);
  assert.deepEqual(await client.connection.sendRequest(InlayHintRequest.type, { textDocument: { uri: broken.uri }, range: { start: { line: 0, character: 0 }, end: { line: 20, character: 0 } } }), []);
});

test('code lenses: Train always; Resume latest and Compare once real runs of the config exist', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'crate-lsp-runs-'));
  const file = join(dir, 'lens.crate.yaml');
  const text = [
    'name: lsp-lens',
    'backend: cpu',
    'model: {arch: crate-alpha, depth: 1, width: 8, heads: 2}',
    'data: {kind: synthetic-subspaces, trainSize: 64, testSize: 16}',
    'optim: {batchSize: 16}',
    'introspect: {every: 0}',
    'runsDir: runs',
    '',
  ].join('\n');
  writeFileSync(file, text);
  const uri = uriOf(file);
  await client.open(uri, text);
  const lenses = async () => (await client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) ?? [];

  const before = await lenses();
  assert.deepEqual(
    before.map((l) => [l.command?.title, l.command?.command, l.command?.arguments]),
    [['▶ Train', commands.train, [{ configUri: uri }]]],
  );

  // Each run is seen by the run manager's index, which asks the client to refresh the lenses.
  const train = async () => {
    const seen = client.refreshes.codeLens;
    const r = runCli(['train', file, '--runs-dir', join(dir, 'runs'), '--max-steps', '2']);
    assert.equal(r.status, 0, r.stderr);
    await client.refreshed('codeLens', seen);
    return /^run (\S+)/m.exec(r.stdout)![1];
  };
  const first = await train();
  const one = await lenses();
  assert.deepEqual(one.map((l) => l.command?.command), [commands.train, commands.resumeLatest]);
  assert.match(one[1].command!.title, /^Resume latest/);
  assert.deepEqual(one[1].command!.arguments, [{ configUri: uri, runDir: first } satisfies ResumeLatestArguments]);

  const second = await train();
  const two = await lenses();
  assert.deepEqual(two.map((l) => l.command?.command), [commands.train, commands.resumeLatest, commands.compareRuns]);
  assert.equal((two[1].command!.arguments![0] as ResumeLatestArguments).runDir, second);
  assert.deepEqual(two[2].command!.arguments, [{ configUri: uri, runDirs: [second, first] } satisfies CompareRunsArguments]);
  // Lenses sit on the first line, where an editor shows them above the config.
  for (const lens of two) assert.deepEqual(lens.range.start, { line: 0, character: 0 });
});

test('code lenses: no "Resume latest" while the latest run is being trained; offered once it has stopped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'crate-lsp-live-'));
  const file = join(dir, 'live.crate.yaml');
  const text = ['name: lsp-live', 'model: {arch: crate-alpha, depth: 1, width: 8, heads: 2}', 'data: {kind: synthetic-subspaces}', 'runsDir: runs', ''].join('\n');
  writeFileSync(file, text);
  // Two runs of the config as a trainer leaves them: an older stopped one, and a newer one that
  // this process "trains" (run.json names its pid, so the server finds the trainer alive).
  const writeRun = (id: string, status: string, createdAt: string) => {
    mkdirSync(join(dir, 'runs', id), { recursive: true });
    const now = new Date().toISOString();
    const info = { id, name: 'lsp-live', configHash: 'x', status, pid: process.pid, trainerIdentity: processIdentity(process.pid), host: hostname(), backend: 'cpu', step: 3, epoch: 0, totalSteps: 10, createdAt, updatedAt: now, heartbeat: now };
    // Replaced whole, as the trainer replaces it (a reader never sees it half written).
    writeFileSync(join(dir, 'runs', id, 'run.json.tmp'), JSON.stringify(info));
    renameSync(join(dir, 'runs', id, 'run.json.tmp'), join(dir, 'runs', id, 'run.json'));
    return join(dir, 'runs', id);
  };
  const older = writeRun('older', 'stopped', '2026-11-30T10:00:00.000Z');
  const newer = writeRun('newer', 'running', '2026-11-30T11:00:00.000Z');
  const uri = uriOf(file);
  await client.open(uri, text);
  const lenses = async () => ((await client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) ?? []).map((l) => l.command!);
  // Once the index has both runs (Compare shows it), there is no Resume for the running one.
  const live = await waitFor('the runs in the index', async () => {
    const shown = await lenses();
    return shown.some((c) => c.command === commands.compareRuns) ? shown : undefined;
  }, 10_000);
  assert.deepEqual(live.map((c) => c.command), [commands.train, commands.compareRuns]);
  assert.deepEqual((live[1].arguments![0] as CompareRunsArguments).runDirs, [newer, older]);
  // The run stops: Resume latest is offered for it.
  writeRun('newer', 'stopped', '2026-11-30T11:00:00.000Z');
  const stopped = await waitFor('Resume latest', async () => {
    const shown = await lenses();
    return shown.some((c) => c.command === commands.resumeLatest && (c.arguments![0] as ResumeLatestArguments).runDir === newer) ? shown : undefined;
  }, 10_000);
  assert.deepEqual(stopped.map((c) => c.command), [commands.train, commands.resumeLatest, commands.compareRuns]);
  assert.deepEqual(stopped[1].arguments, [{ configUri: uri, runDir: newer } satisfies ResumeLatestArguments]);
});

test('inlay hints: time per epoch from the last throughput of a real run of the same model shape and batch size', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'crate-lsp-epoch-'));
  const configText = (model: string, batchSize: number) =>
    ['name: lsp-epoch', 'backend: cpu', `model: {arch: crate-alpha, depth: 1, ${model}}`, 'data: {kind: synthetic-subspaces, trainSize: 64, testSize: 16}', `optim: {batchSize: ${batchSize}}`, 'introspect: {every: 0}', 'runsDir: runs', ''].join('\n');
  const openConfig = async (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    await client.open(uriOf(file), text);
    return { file, uri: uriOf(file) };
  };
  /** The model line's hints: the figures, then the time per epoch when there is one (each label short enough to show whole). */
  const hintOf = async (uri: string) => {
    const hints = (await client.connection.sendRequest(InlayHintRequest.type, { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 20, character: 0 } } })) ?? [];
    assert.ok(hints.length === 1 || hints.length === 2, JSON.stringify(hints));
    for (const h of hints) assert.ok(String(h.label).length <= maxHintLabel, String(h.label));
    assert.match(String(hints[0].label), /FLOPs$/);
    const last = hints.at(-1)!;
    return { label: String(last.label), tooltip: markdown(last.tooltip) };
  };
  // A shape no other test trains (the index holds every run the server has seen).
  const config = await openConfig('epoch.crate.yaml', configText('width: 12, heads: 2', 16));
  assert.doesNotMatch((await hintOf(config.uri)).label, /epoch/);

  const seen = client.refreshes.inlayHint;
  const r = runCli(['train', config.file, '--runs-dir', join(dir, 'runs'), '--max-steps', '4']);
  assert.equal(r.status, 0, r.stderr);
  await client.refreshed('inlayHint', seen);
  const runDir = /^run (\S+)/m.exec(r.stdout)![1];

  // The trainer's own record: the first step of epoch 1 tells the steps per epoch.
  const scalars = events(runDir).flatMap((e) => (e.type === 'scalars' ? [e] : []));
  const stepsPerEpoch = scalars.find((e) => e.epoch === 1)!.step - 1;
  const expected = (stepsPerEpoch * 16) / Math.fround(scalars.at(-1)!.imagesPerSecond);
  // The first refresh may come when the run appears, before the server has read its throughput.
  const { label, tooltip } = await waitFor('the time-per-epoch hint', async () => {
    const hint = await hintOf(config.uri);
    return /epoch/.test(hint.label) ? hint : undefined;
  }, 10_000);
  const m = /^≈ ([\d.]+) (s|min|h)\/epoch$/.exec(label);
  assert.ok(m, label);
  const unit = { s: 1, min: 60, h: 3600 }[m[2] as 's' | 'min' | 'h'];
  const decimals = (m[1].split('.')[1] ?? '').length;
  assert.ok(Math.abs(Number(m[1]) * unit - expected) <= 0.5 * 10 ** -decimals * unit + 1e-12, `${label}, expected ${expected} s`);
  assert.ok(tooltip.includes(basename(runDir)), tooltip);

  // Another batch size or another width has no measured run: no estimate.
  for (const [name, text] of [
    ['batch.crate.yaml', configText('width: 12, heads: 2', 32)],
    ['width.crate.yaml', configText('width: 12, heads: 3', 16)],
  ]) {
    const other = await openConfig(name, text);
    assert.doesNotMatch((await hintOf(other.uri)).label, /epoch/, name);
  }
});

test('sweeps: "▶ Sweep (N runs)" on the sweep: line, the member count and total time at its end, a bad grid value marked on its line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'crate-lsp-sweep-'));
  // A shape no other test trains (the index holds every run the server has seen).
  const base = ['name: lsp-sweep', 'backend: cpu', 'model: {arch: crate-alpha, depth: 1, width: 10, heads: 2}', 'data: {kind: synthetic-subspaces, trainSize: 64, testSize: 16}', 'optim: {batchSize: 16, maxSteps: 4}', 'introspect: {every: 0}', 'runsDir: runs', ''].join('\n');
  // Four members: two step counts × two seeds, one model shape and batch size.
  const text = `${base}sweep:\n  grid:\n    optim.maxSteps: [3, 5]\n  seeds: [0, 1]\n`;
  const file = join(dir, 'sweep.crate.yaml');
  writeFileSync(file, text);
  const uri = uriOf(file);
  await client.open(uri, text);
  const sweepLine = text.split('\n').indexOf('sweep:');

  const lenses = (await client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) ?? [];
  const sweepLens = lenses.find((l) => l.command?.command === commands.launchSweep);
  assert.ok(sweepLens, JSON.stringify(lenses));
  assert.equal(sweepLens.command!.title, '▶ Sweep (4 runs)');
  assert.deepEqual(sweepLens.command!.arguments, [{ configUri: uri, members: 4 } satisfies LaunchSweepArguments]);
  assert.deepEqual(sweepLens.range.start, { line: sweepLine, character: 0 });

  const sweepHint = async () => {
    const hints = await client.connection.sendRequest(InlayHintRequest.type, { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 30, character: 0 } } });
    const hint = hints?.find((h) => h.position.line === sweepLine);
    assert.ok(hint, JSON.stringify(hints));
    assert.deepEqual(hint.position, { line: sweepLine, character: 'sweep:'.length });
    assert.ok(String(hint.label).length <= maxHintLabel, String(hint.label));
    return { label: String(hint.label), tooltip: markdown(hint.tooltip) };
  };
  // No run of this shape yet: the count, no time.
  assert.equal((await sweepHint()).label, '4 runs');

  // A real run of the same shape (a config without the sweep, in the runs folder the open config watches).
  const single = join(dir, 'single.crate.yaml');
  writeFileSync(single, base);
  const r = runCli(['train', single, '--runs-dir', join(dir, 'runs'), '--max-steps', '4']);
  assert.equal(r.status, 0, r.stderr);
  const runDir = /^run (\S+)/m.exec(r.stdout)![1];
  const last = events(runDir).flatMap((e) => (e.type === 'scalars' ? [e] : [])).at(-1)!;
  // (3 + 5 + 3 + 5) steps × 16 images at the run's last throughput.
  const expected = ((3 + 5 + 3 + 5) * 16) / Math.fround(last.imagesPerSecond);
  const { label, tooltip } = await waitFor('the sweep time hint', async () => {
    const hint = await sweepHint();
    return /in all/.test(hint.label) ? hint : undefined;
  }, 10_000);
  const m = /^4 runs · ≈ ([\d.]+) (s|min|h) in all$/.exec(label);
  assert.ok(m, label);
  const unit = { s: 1, min: 60, h: 3600 }[m[2] as 's' | 'min' | 'h'];
  const decimals = (m[1].split('.')[1] ?? '').length;
  assert.ok(Math.abs(Number(m[1]) * unit - expected) <= 0.5 * 10 ** -decimals * unit + 1e-12, `${label}, expected ${expected} s`);
  assert.ok(tooltip.includes(basename(runDir)), tooltip);

  // A grid value that makes members invalid: the error on that value, no sweep lens.
  const bad = `${base}sweep:\n  grid:\n    optim.lr: [0.001, 20]\n`;
  const badUri = uriOf(join(dir, 'bad.crate.yaml'));
  await client.open(badUri, bad);
  const errors = (await client.diagnostics(badUri, 1)).filter((d) => d.severity === DiagnosticSeverity.Error);
  assert.equal(errors.length, 1, JSON.stringify(errors));
  assert.deepEqual(errors[0].range, rangeOf(bad, 'optim.lr: [0.001, 20]', '20'));
  assert.match(String(errors[0].message), /optim\.lr = 20: must be at most 10/);
  const badLenses = (await client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri: badUri } })) ?? [];
  assert.deepEqual(badLenses.map((l) => l.command?.command), [commands.train]);
});

test('model.initFrom: a real checkpoint of the same shape passes; another shape, a missing or a non-safetensors file is marked on the value', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'crate-lsp-init-'));
  const configText = (model: string, initFrom: string, extra: string[] = []) =>
    [
      'name: lsp-init',
      'backend: cpu',
      `model: {arch: crate-alpha, depth: 1, ${model}, initFrom: ${initFrom}}`,
      'data: {kind: synthetic-subspaces, trainSize: 64, testSize: 16}',
      'introspect: {every: 0}',
      'runsDir: runs',
      ...extra,
      '',
    ].join('\n');
  // A checkpoint from a real run of a width-8 model.
  const sourceFile = join(dir, 'source.crate.yaml');
  writeFileSync(sourceFile, ['name: lsp-init-source', 'backend: cpu', 'model: {arch: crate-alpha, depth: 1, width: 8, heads: 2}', 'data: {kind: synthetic-subspaces, trainSize: 64, testSize: 16}', 'optim: {batchSize: 16}', 'introspect: {every: 0}', 'runsDir: runs', ''].join('\n'));
  const trained = runCli(['train', sourceFile, '--max-steps', '2']);
  assert.equal(trained.status, 0, trained.stderr);
  const sourceRun = /^run (\S+)/m.exec(trained.stdout)![1];
  const weights = relative(dir, join(latestCheckpointDir(sourceRun)!, 'weights.safetensors'));

  let version = 0;
  const check = async (text: string) => {
    const uri = uriOf(join(dir, `check-${++version}.crate.yaml`));
    await client.open(uri, text);
    return client.diagnostics(uri, 1);
  };
  assert.deepEqual(await check(configText('width: 8, heads: 2', weights)), []);

  const wider = configText('width: 16, heads: 2', weights);
  const [shape, ...more] = await check(wider);
  assert.equal(more.length, 0);
  assert.equal(shape.code, 'checkpoint-shape');
  assert.deepEqual(shape.range, rangeOf(wider, 'initFrom', weights));
  // The message names a tensor, its shape in the file and the shape this model needs.
  const m = /tensor (\S+) has shape \[([\d, ]*)\], crate-alpha needs \[([\d, ]*)\]/.exec(String(shape.message));
  assert.ok(m, String(shape.message));
  const inFile = readSafetensors(join(dir, weights)).tensors.get(m[1]);
  const needed = parameterSpecs(modelShape(parseConfig(configText('width: 16, heads: 2', 'x'), join(dir, 'x.crate.yaml')).config!.model)).find((p) => p.name === m[1]);
  assert.equal(m[2], inFile!.shape.join(', '));
  assert.equal(m[3], needed!.shape.join(', '));

  const missing = configText('width: 8, heads: 2', 'nowhere.safetensors');
  const [absent] = await check(missing);
  assert.equal(absent.code, 'path');
  assert.deepEqual(absent.range, rangeOf(missing, 'initFrom', 'nowhere.safetensors'));
  const notWeights = relative(dir, join(sourceRun, 'config.yaml'));
  const [format] = await check(configText('width: 8, heads: 2', notWeights));
  assert.equal(format.code, 'file-format');
  assert.match(String(format.message), /not a safetensors file/);
  // A FIFO (nobody writes it) never blocks the server: it is refused at once, and the server answers.
  const fifo = join(dir, 'weights.fifo');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
  const started = Date.now();
  const [blocked] = await check(configText('width: 8, heads: 2', 'weights.fifo'));
  assert.match(String(blocked.message), /cannot read it: it is a FIFO, not a regular file/);
  assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
});

test('model.initFrom: the trainer starts a new run from a matching checkpoint and refuses another shape in one line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crate-init-train-'));
  const write = (name: string, lines: string[]) => {
    const file = join(dir, name);
    writeFileSync(file, [...lines, 'data: {kind: synthetic-subspaces, trainSize: 64, testSize: 16}', 'introspect: {every: 0}', 'runsDir: runs', ''].join('\n'));
    return file;
  };
  const source = write('source.crate.yaml', ['backend: cpu', 'model: {arch: crate-alpha, depth: 1, width: 8, heads: 2}', 'optim: {batchSize: 16}']);
  const trained = runCli(['train', source, '--max-steps', '3']);
  assert.equal(trained.status, 0, trained.stderr);
  const weights = join(latestCheckpointDir(/^run (\S+)/m.exec(trained.stdout)![1])!, 'weights.safetensors');

  // Another seed, and a learning rate so small that one step leaves the weights where they started.
  const init = write('init.crate.yaml', ['seed: 7', 'backend: cpu', `model: {arch: crate-alpha, depth: 1, width: 8, heads: 2, initFrom: ${weights}}`, 'optim: {batchSize: 16, lr: 1.0e-9, minLr: 0, warmup: 0, weightDecay: 0}']);
  const started = runCli(['train', init, '--max-steps', '1']);
  assert.equal(started.status, 0, started.stderr);
  const run = /^run (\S+)/m.exec(started.stdout)![1];
  const before = readSafetensors(weights).tensors;
  const after = readSafetensors(join(latestCheckpointDir(run)!, 'weights.safetensors')).tensors;
  assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort());
  let largest = 0;
  for (const [name, t] of after) for (let i = 0; i < t.data.length; i++) largest = Math.max(largest, Math.abs(t.data[i] - before.get(name)!.data[i]));
  assert.ok(largest < 1e-6, `weights moved ${largest} from the checkpoint`);
  assert.ok(events(run).some((e) => e.type === 'log' && e.message.includes(`weights from ${weights}`)));

  const wrong = write('wrong.crate.yaml', ['backend: cpu', `model: {arch: crate-alpha, depth: 1, width: 16, heads: 2, initFrom: ${weights}}`, 'optim: {batchSize: 16}']);
  const refused = runCli(['train', wrong, '--max-steps', '1', '--runs-dir', join(dir, 'refused')]);
  assert.notEqual(refused.status, 0);
  assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
  assert.match(refused.stderr, /model\.initFrom: .*tensor \S+ has shape \[[\d, ]+\], crate-alpha needs \[[\d, ]+\]/);
  assert.ok(!existsSync(join(dir, 'refused')) || readdirSync(join(dir, 'refused')).length === 0, 'a refused run left a directory');
});

test('crate-lab lsp --stdio answers initialize without evaluating tfjs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'crate-lsp-cli-'));
  // tfjs-core creates its engine as a global when its modules are evaluated: trap that.
  const trap = join(dir, 'trap-tfjs.cjs');
  writeFileSync(
    trap,
    `let engine;\nObject.defineProperty(globalThis, '_tfengine', { configurable: true, get: () => engine, set: (e) => { require('node:fs').writeSync(2, 'TFJS EVALUATED\\n'); engine = e; } });\n`,
  );
  // The trap works: loading the trainer's CLI for a tfjs command trips it.
  const tripped = spawnSync(process.execPath, ['--require', trap, cliPath, 'infer', '--help'], { encoding: 'utf8', timeout: 60_000 });
  assert.match(tripped.stderr, /TFJS EVALUATED/);

  const cli = new Client({ args: [cliPath, 'lsp', '--stdio'], nodeOptions: ['--require', trap] });
  const init = await cli.initialize();
  assert.equal(init.serverInfo?.name, 'crate-lab');
  assert.ok(init.capabilities.completionProvider);
  const { uri, text } = fixture('unknown-key.crate.yaml');
  await cli.open(uri, text);
  assert.equal((await cli.diagnostics(uri, 1)).length, 1);
  // A large document's worker is found from the CLI's bundle too (dist/server/ beside dist/trainer/).
  const large = uriOf(join(fixtures, 'large-cli.crate.yaml'));
  await cli.open(large, largeConfig());
  assert.match(String((await cli.diagnostics(large, 1))[0]?.message), /greater than 0, got -1/);
  await cli.stop();
  assert.equal(cli.child.exitCode, 0);
  assert.doesNotMatch(cli.stderr, /TFJS EVALUATED/);
  assert.doesNotMatch(readFileSync(serverPath, 'utf8'), /node_modules\/@tensorflow/);
});

/** A deterministic generator (mulberry32), so a failing mutation can be reproduced. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(text: string, next: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const alphabet = [':', ' ', '\n', '-', '{', '}', '[', ']', ',', '#', '&', '*', '!', '|', '>', '"', "'", '\t', '0', '9', 'a', 'é', '?', '%', '@', '`', '\\', '\r'];
  let out = text;
  const edits = 1 + Math.floor(next() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(next() * (out.length + 1));
    const lines = out.split('\n');
    const line = Math.floor(next() * lines.length);
    switch (pick(['insert', 'delete', 'replace', 'duplicate-line', 'drop-line', 'swap-lines', 'indent'] as const)) {
      case 'insert':
        out = out.slice(0, at) + pick(alphabet) + out.slice(at);
        break;
      case 'delete':
        out = out.slice(0, at) + out.slice(at + 1 + Math.floor(next() * 5));
        break;
      case 'replace':
        out = out.slice(0, at) + pick(alphabet) + out.slice(at + 1);
        break;
      case 'duplicate-line':
        lines.splice(line, 0, lines[line]);
        out = lines.join('\n');
        break;
      case 'drop-line':
        lines.splice(line, 1);
        out = lines.join('\n');
        break;
      case 'swap-lines': {
        const other = Math.floor(next() * lines.length);
        [lines[line], lines[other]] = [lines[other], lines[line]];
        out = lines.join('\n');
        break;
      }
      case 'indent':
        lines[line] = pick(['  ', '    ', ' ', '- ']) + lines[line];
        out = lines.join('\n');
        break;
    }
  }
  return out;
}

test('fuzz: 1,000 mutated configs never crash the server and each gets its diagnostics', async () => {
  const next = random(20261125);
  const sources = ['valid.crate.yaml', 'heads-do-not-divide.crate.yaml', 'missing-dir.crate.yaml', 'syntax-error.crate.yaml', 'unknown-key.crate.yaml'].map((f) => fixture(f).text);
  sources.push(readFileSync(join(repoRoot, 'test', 'fixtures', 'configs', 'valid', 'full.crate.yaml'), 'utf8'));
  const uri = uriOf(join(fixtures, 'fuzz.crate.yaml'));
  await client.open(uri, sources[0]);
  await client.diagnostics(uri, 1);
  const codes = new Map<string, number>();
  for (let version = 2; version <= 1001; version++) {
    const text = mutate(sources[Math.floor(next() * sources.length)], next);
    await client.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
    const diagnostics = await client.diagnostics(uri, version);
    assert.ok(Array.isArray(diagnostics), `version ${version}`);
    for (const code of new Set(diagnostics.map((d) => String(d.code)).concat(diagnostics.length ? [] : ['none']))) codes.set(code, (codes.get(code) ?? 0) + 1);
    // Every feature answers on the mutated text too (none may take the server down).
    if (version % 10 === 0) {
      await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 2, character: 3 } });
      await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 3, character: 2 } });
      await client.connection.sendRequest(InlayHintRequest.type, { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 99, character: 0 } } });
      await client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
    }
  }
  // The mutations reach every layer of checking, not only the YAML parser.
  for (const code of ['none', 'syntax', 'unknown-key', 'rule', 'path']) assert.ok((codes.get(code) ?? 0) > 10, `few outcomes "${code}": ${JSON.stringify([...codes])}`);
  assert.equal(client.child.exitCode, null, 'the server exited');
  const final = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri: fixture('valid.crate.yaml').uri }, position: { line: 4, character: 3 } });
  assert.ok(final, 'the server answers after the fuzzing');
});

// Bounds for this slow, shared 2-core CI machine; the product targets (hover < 100 ms, the worst
// diagnostics time) are measured by `node scripts/bench-server.mjs --language` and kept in
// docs/performance.md. Before issue 11 these documents took 10–72 s or crashed the parse, and
// before large documents had workers of their own a hover on another document waited up to 680 ms
// (the diagnostics bound is loose: a 256 KB parse takes 0.7–2.3 s on this machine under load).
const hostileDiagnosticsMs = 5_000;
const hostileHoverMs = 250;

/** A valid config over largeDocumentChars (16 KB): 600 comment lines before its optim block, whose lr is out of range. */
function largeConfig(): string {
  const padding = Array.from({ length: 600 }, (_, i) => `# padding line ${i} of a config long enough to be analysed off the main thread`).join('\n');
  return ['name: lsp-large', 'model:', '  arch: crate-alpha', '  size: tiny', 'data:', '  kind: synthetic-subspaces', padding, 'optim:', '  lr: -1', ''].join('\n');
}

test('a large document (over 16 KB) is analysed by a worker of its own: diagnostics, hover and completion at the right places', async () => {
  const uri = uriOf(join(fixtures, 'large.crate.yaml'));
  const text = largeConfig();
  assert.ok(text.length > 16 * 1024, `${text.length} chars`);
  await client.open(uri, text);
  const [diagnostic, ...more] = await client.diagnostics(uri, 1);
  assert.deepEqual(more, []);
  assert.deepEqual(diagnostic.range, rangeOf(text, 'lr: -1', '-1'));
  assert.match(String(diagnostic.message), /greater than 0, got -1/);
  const lr = rangeOf(text, 'lr: -1', 'lr');
  const h = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: lr.start.line, character: 1 + lr.start.character } });
  assert.deepEqual(h?.range, lr);
  assert.match(markdown(h!.contents), /Peak learning rate/);
  const topLevel = (await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: text.split('\n').length - 1, character: 0 } })) as CompletionItem[];
  assert.ok(labels(topLevel).includes('seed'), labels(topLevel).join(' '));
  assert.ok(!labels(topLevel).includes('optim'), 'optim is written already');
  // An edit that makes it small again: the main thread answers (and the new text is what is checked).
  const smallText = 'name: lsp-large\nmodel: { arch: crate-alpha, size: tiny }\ndata: { kind: synthetic-subspaces }\noptim:\n  lr: -2\n';
  await client.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ text: smallText }] });
  const small = await client.diagnostics(uri, 2);
  assert.deepEqual(small.map((d) => [d.range, d.message]), [[rangeOf(smallText, 'lr: -2', '-2'), 'must be greater than 0, got -2']]);
});

test('hostile documents: each gets a bounded list of diagnostics quickly, and a hover on another document is not held up', async () => {
  const other = fixture('valid.crate.yaml');
  await client.open(other.uri, other.text);
  await client.diagnostics(other.uri, 1);
  const hoverOther = async () => {
    const t = performance.now();
    const h = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri: other.uri }, position: { line: 4, character: 3 } });
    assert.ok(h, 'the hover on the other document answers');
    return performance.now() - t;
  };
  let i = 0;
  for (const [shape, make] of Object.entries(hostileConfigs)) {
    const uri = uriOf(join(fixtures, `hostile-${i++}.crate.yaml`));
    const text = make();
    const t = performance.now();
    await client.open(uri, text);
    const hoverMs = await hoverOther();
    const diagnostics = await client.diagnostics(uri, 1);
    const diagnosticsMs = performance.now() - t;
    if (process.env.CRATE_LAB_SHOW_TIMES) console.log(`${shape}: diagnostics ${diagnosticsMs.toFixed(0)} ms, hover on another ${hoverMs.toFixed(0)} ms`);
    assert.ok(diagnosticsMs < hostileDiagnosticsMs, `${shape}: diagnostics after ${diagnosticsMs.toFixed(0)} ms`);
    assert.ok(hoverMs < hostileHoverMs, `${shape}: the hover on another document waited ${hoverMs.toFixed(0)} ms`);
    assert.ok(diagnostics.length >= 1 && diagnostics.length <= 21, `${shape}: ${diagnostics.length} diagnostics`);
    assert.ok(diagnostics.some((d) => d.severity === DiagnosticSeverity.Error), shape);
  }
});
