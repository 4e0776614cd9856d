"""The GPT itself: its shape, its weights and forward pass, the tokenizer, sampling, the
naive one-node-per-op port, and model files."""
