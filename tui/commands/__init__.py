"""The headless subcommands of `microgpt`, one per module."""
