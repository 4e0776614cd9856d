"""The autograd engine: the scalar `Value`, the parameters it differentiates (flat arrays
cut into named matrices), and the fused nodes (linear rows, softmax, rmsnorm) that stand for
the reference's chains of primitive operations."""
