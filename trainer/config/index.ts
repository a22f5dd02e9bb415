// The run config language (*.crate.yaml). Start at schema.ts (the fields), then parse.ts.
export { configSchema, type ConfigInput, type ConfigValues, type DataKind, type FieldMeta } from './schema.js';
export { type ResolvedConfig, type ResolvedData, type ResolvedModel, type ResolvedOptim, modelShape } from './resolved.js';
export { parseConfig, type ParseOptions, type ParseResult } from './parse.js';
export { resolveConfig, nameFromFile, type Resolution, type ResolveOptions } from './resolve.js';
export { loadConfigFile, ConfigError, type LoadedConfig } from './load.js';
export { stringifyConfig, configHash, canonicalJson } from './serialize.js';
export { describeSchema, fieldDoc, childFields, configJsonSchema, type FieldDoc, type ValueSpec } from './describe.js';
export { type FileProbe, nodeFileProbe } from './files.js';
export { datasetGeometry, knownTrainingExamples } from './datasetFacts.js';
export {
  type Diagnostic,
  type Fix,
  type Problem,
  type ProblemCode,
  type PathSegment,
  type Position,
  type Range,
  type Severity,
  formatDiagnostic,
} from './diagnostics.js';
