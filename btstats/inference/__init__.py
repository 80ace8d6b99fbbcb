"""Inference: covariances, the bootstrap, one intervals module, rank sets."""
