// The extension's entry point (placeholder until it lands).
export function activate(): void {}
export function deactivate(): void {}
