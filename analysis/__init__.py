"""Community Voice's analysis library: tagging, summaries, and who was heard.

Import the weighting and representation API from here; the other parts live in their modules
(``analysis.codebook``, ``analysis.summary``, …).
"""

from analysis.representation import (
    GroupRepresentation,
    OutreachTarget,
    Representation,
    normalise_shares,
    outreach_targets,
    represent,
)
from analysis.weighting import (
    DEFAULT_CAP,
    MIN_GROUP,
    CannotWeight,
    SmallGroup,
    Weights,
    post_stratify,
    rake,
    weighted_shares,
)

__all__ = [
    "DEFAULT_CAP",
    "MIN_GROUP",
    "CannotWeight",
    "GroupRepresentation",
    "OutreachTarget",
    "Representation",
    "SmallGroup",
    "Weights",
    "normalise_shares",
    "outreach_targets",
    "post_stratify",
    "rake",
    "represent",
    "weighted_shares",
]
