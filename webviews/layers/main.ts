// The layers panel (placeholder until it lands).
