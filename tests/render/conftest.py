"""Fixtures for the report renderers: the bundled catalog and a small round computed by hand."""

from __future__ import annotations

import pytest
import yaml

from bot.analysis import Report, analyse
from bot.answers import AreaAnswer, Mark
from bot.frameworks import Catalog, Framework, load_catalog, parse_framework
from tests.samples import MINI_YAML


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def mini() -> Framework:
    """Levels 1 low, 2 medium, 3 high; areas alpha (weight 1, one prompt) and beta (weight 2)."""
    return parse_framework(yaml.safe_load(MINI_YAML), "mini")


@pytest.fixture(scope="session")
def small_report(mini: Framework) -> Report:
    """Three of four invited answered. By hand:

    alpha: current 1, 1, 2 (median 1, spread 1-2); targets 3, 3 (+ one not sure): two targets,
    below the 3 needed, so no target and no gap;
    three answers on three levels are fewer than the 5 agreement needs (`unanimity_floor`), so
    no consensus, and the median 1 is a level two chose: no split; one comment.
    beta: current 3 (Ana's, target 3) and one not sure: n 1, below the 3 needed, so withheld:
    no level, gap or consensus. Alpha, the only area shown, gives the overall stage 1 · Low (a
    score of 1) and no roadmap entry (no target); completed: Ana and Ben (not sure counts).
    """
    answers = {
        "Ana": {
            "alpha": AreaAnswer(1, 3, comment="Too slow"),
            "beta": AreaAnswer(3, 3),
        },
        "Ben": {"alpha": AreaAnswer(1, 3), "beta": AreaAnswer(Mark.NOT_SURE)},
        "Cy": {"alpha": AreaAnswer(2, Mark.NOT_SURE)},
    }
    return analyse(mini, answers, invited=4)
