"""Pure protocol layer: no I/O."""
