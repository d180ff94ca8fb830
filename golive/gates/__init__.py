"""Gate logic: one module per gate, each returning a GateResult."""
