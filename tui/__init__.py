"""The interfaces: the Textual debugger and the headless command line. They render what
the core produces and hold no training logic of their own."""
