// The attention panel (placeholder until it lands).
