// Backend names, tfjs-free so that the config schema and the language server can use them.

/** Best first: the order `auto` tries them in. */
export const backendNames = ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof backendNames)[number];

export const backendChoices = ['auto', ...backendNames] as const;
export type BackendChoice = (typeof backendChoices)[number];

export function isBackendChoice(value: string): value is BackendChoice {
  return (backendChoices as readonly string[]).includes(value);
}
