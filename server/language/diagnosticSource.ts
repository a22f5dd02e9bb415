// The `source` every diagnostic of this server carries (VS Code shows it beside the message).
export const diagnosticSource = 'crate-lab';
