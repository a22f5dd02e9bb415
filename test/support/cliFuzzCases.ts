// Seeded crate-lab command lines for the CLI fuzz test (test/cli-fuzz.test.ts). Each one is valid
// or invalid by construction: it starts from a command line that works and every change that
// breaks it records a fault, the words one of which the error line must contain (the flag, the
// value, the file). What is valid comes from the usage lines and the README's CLI section, never from asking the
// code under test.

/** Files the cases name: a tiny crate-alpha checkpoint and its input, and hostile files of each kind. */
export interface FuzzFiles {
  /** crate-alpha, image 8, patch 4, 1 channel, dim 8, depth 1, 2 heads, 3 classes, with metadata. */
  weights: string;
  input: string;
  /** Valid files reached through a symbolic link. */
  weightsLink: string;
  inputLink: string;
  /** A run config that would train (every train case breaks something else). */
  config: string;
  runsDir: string;
  /** Input files that no command can use: [path, what it is]. */
  badInputs: string[];
  /** Config files that cannot be trained. */
  badConfigs: string[];
  /** Paths no output can be written to. */
  badOutputs: string[];
  /** Paths that exist and are not folders (a regular file, a FIFO): no runs directory. */
  notFolders: string[];
  /** A fresh output path for case `i`. */
  output: (i: number, name: string) => string;
}

export interface FuzzCase {
  argv: string[];
  /** valid: exit 0, output, no stderr; invalid: exit 2 and one line naming a fault; help: usage on stdout, exit 0. */
  expect: 'valid' | 'invalid' | 'help' | 'no-command';
  /** For invalid cases: words (any one suffices) that the error line must contain. */
  faults: string[];
  /** A config file's mistakes are one `file:line:col` line each, so several lines are right. */
  linePerMistake?: boolean;
  /** Output files a valid case must leave behind. */
  writes: string[];
}

/** mulberry32: small, fast and independent of the code under test. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Picker {
  constructor(readonly next: () => number) {}
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const longText = 'x'.repeat(5000);
/** Never a positive integer: signs, fractions, exponents, other digits, overflow, junk. */
const notPositiveInt = ['0', '-1', '-0', 'NaN', 'abc', '', ' ', '2.5', '1e3', '0x10', '+3', '٣', '３', '99999999999999999999', longText, 'Infinity', '1 2', '🙂', 'null', '3abc'];

type Kind = 'posInt' | 'nonNegInt' | 'eps' | 'choice' | 'inFile' | 'outFile' | 'bool' | 'name' | 'device';

interface FlagSpec {
  name: string;
  kind: Kind;
  required?: boolean;
  /** Values that keep the case valid. */
  good: string[];
  /** Values that are wrong everywhere. */
  bad: string[];
  /** Well-formed values that contradict the checkpoint or each other: the error may name a file instead. */
  mismatch?: string[];
  /** Other words an error about this flag may use (--width is the shape's dim). */
  alias?: string[];
}

interface CommandSpec {
  name: string;
  /** Flags present in the starting command line (a valid one). */
  base: (files: FuzzFiles, i: number, rng: Picker) => Array<[string, string | true]>;
  flags: FlagSpec[];
  /** The one positional of train, resume and stop, and whether a valid one exists. */
  positional?: { good: string[]; bad: string[]; what: string };
  /** Commands that cannot run validly here (train would train; resume and stop need a live run). */
  alwaysInvalid?: boolean;
  /** Options it takes beyond `flags` (so that a flag of another command is known to be foreign). */
  alsoAccepts?: string[];
  outputs?: string[];
}

function posInt(name: string, good: string[], extra: Partial<FlagSpec> = {}): FlagSpec {
  return { name, kind: 'posInt', good, bad: notPositiveInt, ...extra };
}

const backendFlag: FlagSpec = { name: 'backend', kind: 'choice', good: ['cpu'], bad: ['tpu', '', 'CPU', 'cpu ', 'wasm,cpu', 'ćpu', longText] };
// The cases run on the cpu backend, which has no WebGPU adapter to pick.
const deviceFlag: FlagSpec = { name: 'device', kind: 'device', good: [], bad: ['0', '1', 'H200', 'abc', '', '-1', longText] };
const jsonFlag: FlagSpec = { name: 'json', kind: 'bool', good: [], bad: [] };

/** The fixture checkpoint's shape flags: its own values are valid, others contradict its tensors. */
function checkpointShapeFlags(): FlagSpec[] {
  return [
    { name: 'arch', kind: 'choice', good: ['crate-alpha'], bad: ['crate-beta', '', 'CRATE-ALPHA', '🙂', longText], mismatch: ['crate', 'vit'] },
    posInt('image', ['8'], { mismatch: ['16', '12', '999999999'] }),
    posInt('patch', ['4'], { mismatch: ['2', '8', '3'] }),
    posInt('channels', ['1'], { mismatch: ['3', '999999999'] }),
    posInt('classes', ['3'], { mismatch: ['4', '100000'] }),
    posInt('depth', ['1'], { mismatch: ['2', '999999999'] }),
    posInt('width', ['8'], { mismatch: ['16', '100000'], alias: ['dim'] }),
    // Flags come before the file's metadata (README, The CLI): any head count dividing 8 is a valid model.
    posInt('heads', ['1', '2', '4', '8'], { mismatch: ['3', '16'] }),
    posInt('overcomplete', ['4'], { mismatch: ['2', '999'] }),
    { name: 'no-residual', kind: 'bool', good: [], bad: [] },
  ];
}

function checkpointCommand(name: 'infer' | 'metrics'): CommandSpec {
  const out = name === 'infer' ? 'output' : 'attention-out';
  const flags: FlagSpec[] = [
    { name: 'checkpoint', kind: 'inFile', required: true, good: [], bad: [] },
    { name: 'input', kind: 'inFile', required: true, good: [], bad: [] },
    { name: out, kind: 'outFile', good: [], bad: [] },
    posInt('batch', ['1', '2', '64', '999999999']),
    backendFlag,
    posInt('threads', ['1', '2']),
    deviceFlag,
    jsonFlag,
    ...checkpointShapeFlags(),
  ];
  if (name === 'metrics') flags.push({ name: 'eps', kind: 'eps', good: ['0.5', '1', '1e-6', '100', '0.001'], bad: ['0', '-1', '1e-300', 'NaN', 'abc', '', 'Infinity', '1e400', '100.1', '1e-7', '-0', longText] });
  return {
    name,
    base: (f) => [['checkpoint', f.weights], ['input', f.input], ['backend', 'cpu']],
    flags,
    alsoAccepts: ['dim', 'no-decoupled'],
    outputs: [out],
  };
}

const explicitShape: Array<[string, string]> = [['depth', '2'], ['width', '16'], ['heads', '4'], ['patch', '4'], ['image', '16'], ['channels', '3'], ['classes', '10']];

/** Shape flags of inspect and bench: bad syntax, past the limits, or not dividing. */
function freeShapeFlags(): FlagSpec[] {
  return [
    { name: 'arch', kind: 'choice', required: true, good: ['crate-alpha', 'crate', 'crate-c', 'crate-t', 'vit'], bad: ['crate-beta', '', 'CRATE', '🙂', longText] },
    posInt('depth', ['1', '2'], { required: true, mismatch: ['129', '999999999'] }),
    posInt('width', ['16'], { required: true, mismatch: ['100000', '99999999'], alias: ['dim'] }),
    posInt('heads', ['1', '2', '4'], { required: true, mismatch: ['3', '5', '257'] }),
    posInt('patch', ['4', '8'], { required: true, mismatch: ['5', '3', '32'], alias: ['image'] }),
    posInt('image', ['16'], { mismatch: ['15', '100000'], alias: ['patch'] }),
    posInt('channels', ['1', '3'], { mismatch: ['65', '999999'] }),
    posInt('classes', ['2', '10'], { mismatch: ['100001'] }),
    posInt('overcomplete', ['1', '2'], { mismatch: ['17'] }),
    { name: 'no-residual', kind: 'bool', good: [], bad: [] },
    { name: 'no-decoupled', kind: 'bool', good: [], bad: [] },
  ];
}

const commands: CommandSpec[] = [
  checkpointCommand('infer'),
  checkpointCommand('metrics'),
  {
    name: 'inspect',
    base: (_f, _i, rng) => (rng.chance(0.3) ? [['arch', rng.pick(['crate-alpha', 'crate'])], ['size', rng.pick(['tiny', 'small', 'base', 'large', 'huge'])]] : [['arch', 'crate'], ...explicitShape]),
    flags: [...freeShapeFlags(), { name: 'size', kind: 'choice', good: [], bad: ['gigantic', '', 'TINY', '🙂', longText] }, jsonFlag],
    alsoAccepts: ['dim'],
  },
  {
    name: 'bench',
    // Tiny and short: a valid bench runs in a fraction of a second.
    base: () => [['arch', 'crate'], ['depth', '1'], ['width', '8'], ['heads', '2'], ['patch', '4'], ['image', '8'], ['channels', '1'], ['classes', '3'], ['batch', '2'], ['steps', '1'], ['warmup', '0'], ['backend', 'cpu']],
    flags: [
      ...freeShapeFlags().map((f) => (['depth', 'width', 'heads', 'patch', 'image', 'channels', 'classes'].includes(f.name) ? { ...f, good: [] } : f)),
      // No big valid counts: a bench of a billion steps is a valid request that takes forever.
      posInt('batch', ['1', '3'], { mismatch: ['99999999999'] }),
      posInt('steps', ['1', '2']),
      { name: 'warmup', kind: 'nonNegInt', good: ['0', '1'], bad: notPositiveInt.filter((v) => v !== '0') },
      posInt('micro-batch', ['1', '2', '999999999']),
      { name: 'only', kind: 'choice', good: ['train', 'infer'], bad: ['both', '', 'TRAIN', 'train,infer', longText] },
      { name: 'profile', kind: 'bool', good: [], bad: [] },
      backendFlag,
      deviceFlag,
      posInt('threads', ['1', '2']),
      jsonFlag,
    ],
    alsoAccepts: ['size', 'dim'],
  },
  { name: 'doctor', base: () => [], flags: [jsonFlag] },
  {
    name: 'train',
    alwaysInvalid: true,
    base: (f) => [['runs-dir', f.runsDir], ['max-steps', '1'], ['backend', 'cpu']],
    positional: { good: [], bad: [], what: 'config file' },
    flags: [
      { name: 'runs-dir', kind: 'inFile', good: [], bad: [], alias: ['runsDir'] },
      posInt('max-steps', ['1']),
      posInt('introspect-every', ['1', '5']),
      { name: 'name', kind: 'name', good: ['fuzz'], bad: ['', 'a/b', 'x'.repeat(101), 'tab\there', 'back\\slash'] },
      backendFlag,
      deviceFlag,
      jsonFlag,
    ],
  },
  {
    name: 'resume',
    alwaysInvalid: true,
    base: () => [],
    positional: { good: [], bad: [], what: 'run directory' },
    flags: [posInt('max-steps', ['5']), posInt('patch', ['4']), { name: 'device', kind: 'device', good: [], bad: [] }, jsonFlag],
  },
  {
    name: 'stop',
    alwaysInvalid: true,
    base: () => [],
    positional: { good: [], bad: [], what: 'run directory' },
    flags: [posInt('timeout', ['1'])],
  },
];

interface Draft {
  flags: Map<string, string | true>;
  positionals: string[];
  faults: string[];
  linePerMistake: boolean;
  /** A flag given last with no value. */
  dangling?: string;
  /** Tokens the case adds as they are (unknown flags, a boolean given a value). */
  extra: string[];
}

/** Files wrong for flag `name`: hostile ones, and the other command's kind of file. */
function badFiles(name: string, files: FuzzFiles): string[] {
  if (name === 'runs-dir') return files.notFolders;
  return [...files.badInputs, name === 'checkpoint' ? files.input : files.weights];
}

const unknownFlags = ['bogus', 'epochs', 'lr', 'chekpoint', 'ünïcödé', 'x'.repeat(300), 'json2', 'config'];

/** Breaks `d` in one way, recording the fault; returns false when this way does not apply. */
function breakOnce(spec: CommandSpec, d: Draft, files: FuzzFiles, rng: Picker, touched: Set<string>): boolean {
  const free = spec.flags.filter((f) => !touched.has(f.name));
  switch (rng.int(9)) {
    case 0: {
      // A value wrong everywhere.
      const f = rng.pick(free.filter((x) => x.bad.length > 0 || x.kind === 'inFile' || x.kind === 'outFile'));
      if (!f) return false;
      touched.add(f.name);
      const value = f.kind === 'inFile' ? rng.pick(badFiles(f.name, files)) : f.kind === 'outFile' ? rng.pick(files.badOutputs) : rng.pick(f.bad);
      d.flags.set(f.name, value);
      d.faults.push(f.name, ...(f.alias ?? []), value);
      return true;
    }
    case 1: {
      // A well-formed value that contradicts the checkpoint or the other shape flags.
      const f = rng.pick(free.filter((x) => x.mismatch));
      if (!f) return false;
      touched.add(f.name);
      d.flags.set(f.name, rng.pick(f.mismatch!));
      d.faults.push(f.name, ...(f.alias ?? []));
      if (spec.name === 'infer' || spec.name === 'metrics') d.faults.push(String(d.flags.get('checkpoint')), String(d.flags.get('input')));
      return true;
    }
    case 2: {
      const f = rng.pick(free.filter((x) => x.required && d.flags.has(x.name)));
      if (!f) return false;
      touched.add(f.name);
      d.flags.delete(f.name);
      d.faults.push(f.name, ...(f.alias ?? []));
      return true;
    }
    case 3: {
      const name = rng.pick(unknownFlags);
      const value = rng.chance(0.5) ? rng.pick(['1', 'abc', longText]) : undefined;
      d.extra.push(value === undefined ? `--${name}` : `--${name}=${value}`);
      d.faults.push(name);
      return true;
    }
    case 4: {
      const value = rng.pick(['foo', 'x.npy', '🙂', longText, files.input]);
      if (spec.positional) {
        // One more than the one it takes (the one it has, valid or not, stays).
        d.positionals.push(value);
        d.faults.push(value, `one ${spec.positional.what}`);
        // With the config dropped too, train reads this one as its config.
        if (spec.name === 'train') d.linePerMistake = true;
      } else {
        d.positionals.push(value);
        d.faults.push(value);
      }
      return true;
    }
    case 5: {
      // A string flag given last, with no value.
      const f = rng.pick(free.filter((x) => x.kind !== 'bool'));
      if (!f || d.dangling) return false;
      touched.add(f.name);
      d.flags.delete(f.name);
      d.dangling = f.name;
      d.faults.push(f.name);
      return true;
    }
    case 6: {
      const f = rng.pick(free.filter((x) => x.kind === 'bool'));
      if (!f) return false;
      touched.add(f.name);
      d.flags.delete(f.name);
      d.extra.push(`--${f.name}=${rng.pick(['yes', 'false', '', '1'])}`);
      d.faults.push(f.name);
      return true;
    }
    case 7: {
      if (!spec.positional) return false;
      if (d.positionals.length === 0) return false;
      // The positional itself: missing, or a file or folder that is no run config or run.
      if (rng.chance(0.3)) {
        d.positionals.shift();
        d.faults.push(`one ${spec.positional.what}`);
      } else {
        const pool = spec.name === 'train' ? files.badConfigs : files.badInputs;
        const value = rng.pick(pool);
        d.positionals[0] = value;
        d.faults.push(value);
        if (spec.name === 'train') d.linePerMistake = true;
      }
      return true;
    }
    default: {
      // A flag of the wrong command.
      const other = rng.pick(commands.filter((c) => c !== spec)).flags.filter((f) => !spec.flags.some((g) => g.name === f.name) && !spec.alsoAccepts?.includes(f.name));
      const f = other.length > 0 ? rng.pick(other) : undefined;
      if (!f) return false;
      d.extra.push(f.kind === 'bool' ? `--${f.name}` : `--${f.name}=1`);
      d.faults.push(f.name);
      return true;
    }
  }
}

/** Adds flags that keep the case valid. */
function addValid(spec: CommandSpec, d: Draft, files: FuzzFiles, i: number, rng: Picker, touched: Set<string>): void {
  const f = rng.pick(spec.flags.filter((x) => !touched.has(x.name)));
  if (!f) return;
  if (f.kind === 'bool') {
    d.flags.set(f.name, true);
  } else if (f.kind === 'outFile') {
    d.flags.set(f.name, files.output(i, f.name));
  } else if (f.kind === 'inFile' && (f.name === 'checkpoint' || f.name === 'input')) {
    d.flags.set(f.name, f.name === 'checkpoint' ? rng.pick([files.weights, files.weightsLink]) : rng.pick([files.input, files.inputLink]));
  } else if (f.good.length > 0) {
    d.flags.set(f.name, rng.pick(f.good));
  } else {
    return;
  }
  touched.add(f.name);
}

function serialize(command: string, d: Draft, rng: Picker): string[] {
  const tokens: string[][] = [];
  for (const [name, value] of d.flags) {
    if (value === true) tokens.push([`--${name}`]);
    // A value that starts with "-" must be attached, or it reads as a flag.
    else if (value.startsWith('-') || rng.chance(0.3)) tokens.push([`--${name}=${value}`]);
    else tokens.push([`--${name}`, value]);
  }
  for (const e of d.extra) tokens.push([e]);
  for (const p of d.positionals) tokens.splice(rng.int(tokens.length + 1), 0, [p]);
  // Shuffle the groups (a flag stays with its value).
  for (let k = tokens.length - 1; k > 0; k--) {
    const j = rng.int(k + 1);
    [tokens[k], tokens[j]] = [tokens[j], tokens[k]];
  }
  const argv = [command, ...tokens.flat()];
  if (d.dangling) argv.push(`--${d.dangling}`);
  return argv;
}

/** Case `i` of the run seeded with `seed`. */
export function fuzzCase(seed: number, i: number, files: FuzzFiles): FuzzCase {
  const rng = new Picker(seededRandom((seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0));
  const roll = rng.next();
  if (roll < 0.02) return { argv: [], expect: 'no-command', faults: [], writes: [] };
  if (roll < 0.06) {
    const word = rng.pick(['frobnicate', 'INFER', '', 'ïnfer', longText, 'help2', '--json']);
    return { argv: [word, ...(rng.chance(0.5) ? ['--json'] : [])], expect: 'invalid', faults: ['unknown command'], writes: [] };
  }
  if (roll < 0.1) {
    const argv = rng.pick([['lsp'], ['lsp', '--stdio', 'extra'], ['lsp', '--socket=5000'], ['lsp', '--node-ipc'], ['lsp', '--stdio=1'], ['lsp', 'stdio']]);
    return { argv, expect: 'invalid', faults: ['--stdio'], writes: [] };
  }
  const spec = rng.pick(commands);
  const d: Draft = { flags: new Map(spec.base(files, i, rng)), positionals: [], faults: [], linePerMistake: false, extra: [] };
  if (spec.positional) d.positionals.push(spec.name === 'train' ? files.config : rng.pick(files.badInputs));
  if (spec.positional && spec.name !== 'train') d.faults.push(d.positionals[0]);
  // A size preset fixes dim, heads and patch: overrides valid for the explicit shape may not divide
  // its numbers, so only its other flags change.
  const touched = new Set<string>(d.flags.has('size') ? freeShapeFlags().map((f) => f.name) : []);
  const adds = rng.int(3);
  for (let k = 0; k < adds; k++) addValid(spec, d, files, i, rng, touched);
  const breaks = spec.alwaysInvalid || rng.chance(0.75) ? 1 + rng.int(3) : 0;
  for (let k = 0, tries = 0; k < breaks && tries < 20; tries++) if (breakOnce(spec, d, files, rng, touched)) k++;
  const argv = serialize(spec.name, d, rng);
  if (rng.chance(0.03)) {
    argv.splice(1 + rng.int(argv.length), 0, rng.pick(['--help', '-h']));
    return { argv, expect: 'help', faults: [], writes: [] };
  }
  if (d.faults.length === 0) {
    const writes = (spec.outputs ?? []).flatMap((o) => (typeof d.flags.get(o) === 'string' ? [d.flags.get(o) as string] : []));
    return { argv, expect: 'valid', faults: [], writes };
  }
  return { argv, expect: 'invalid', faults: d.faults, linePerMistake: d.linePerMistake, writes: [] };
}
