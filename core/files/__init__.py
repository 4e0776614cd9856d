"""Reading and writing a user's files: the one place that opens an input (regular files
only, bounded, strict JSON) and the one place that writes an output (checked first, then
atomic). The lowest layer after `core.errors`: it knows nothing of models."""
