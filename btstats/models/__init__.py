"""Models: a link (:mod:`.links`) times an outcome family (:mod:`.families`) over the linear
predictor (:mod:`.model`)."""
from .families import FAMILIES, Family, get_family
from .links import LINKS, Link, get_link
from .model import MODELS, Model, get_model, pairwise_model

__all__ = ["Model", "MODELS", "get_model", "pairwise_model", "Family", "FAMILIES",
           "get_family", "Link", "LINKS", "get_link"]
