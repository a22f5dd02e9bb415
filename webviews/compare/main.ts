// The compare panel (placeholder until it lands).
