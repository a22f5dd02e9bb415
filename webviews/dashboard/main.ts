// The dashboard panel (placeholder until it lands).
