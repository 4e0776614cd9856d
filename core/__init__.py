"""The training core: works without a UI and never prints."""
