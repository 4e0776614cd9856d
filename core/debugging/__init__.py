"""What a debugger needs beyond training: the run's past (snapshots and replay), run-until
conditions, parameter search, step targets, and run files."""
