"""Batch runs over many inputs: ``map()``'s engine, checkpoints, progress and retries."""
