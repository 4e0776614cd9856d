"""The debugger's widgets, one per module; each is given its data by the app."""
