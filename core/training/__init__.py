"""Training, one sentence per step: the corpus, Adam, the trainer and the step trace it
returns (the contract with any interface)."""
