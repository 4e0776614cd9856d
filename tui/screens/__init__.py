"""The debugger's modal screens."""
