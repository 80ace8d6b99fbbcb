"""Models: a link and an outcome family over the linear predictor (:mod:`.model`)."""
from .model import MODELS, Model, get_model, pairwise_model

__all__ = ["Model", "MODELS", "get_model", "pairwise_model"]
