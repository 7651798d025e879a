"""Kendall's tau between a proxy's and a paper's ordering of the shared methods."""

from __future__ import annotations

import pytest

from harness.leaderboard.faithfulness import agreement


def _tau(proxy: dict, paper: dict, proxy_higher: bool = True, paper_higher: bool = True):
    return agreement("proxy", "paper", "m", proxy, proxy_higher, "n", paper, paper_higher)


def test_same_order_is_plus_one_and_reversed_is_minus_one() -> None:
    proxy = {"a": 0.9, "b": 0.5, "c": 0.1, "only-proxy": 0.3}
    assert _tau(proxy, {"a": 3.0, "b": 2.0, "c": 1.0}).tau == pytest.approx(1.0)
    assert _tau(proxy, {"a": 1.0, "b": 2.0, "c": 3.0}).tau == pytest.approx(-1.0)
    assert _tau(proxy, {"a": 3.0, "b": 2.0, "c": 1.0}).methods == ("a", "b", "c")


def test_directions_are_each_sides_own() -> None:
    # the proxy's score is higher-better, the paper's an MMD (lower-better): the same ranking is tau +1
    assert _tau({"a": 0.9, "b": 0.5, "c": 0.1}, {"a": 1.0, "b": 2.0, "c": 8.0}, True, False).tau == pytest.approx(1.0)


def test_one_swap_of_four_matches_scipy() -> None:
    from scipy.stats import kendalltau

    proxy, paper = {"a": 4, "b": 3, "c": 2, "d": 1}, {"a": 4, "b": 2, "c": 3, "d": 1}
    found = _tau(proxy, paper)
    assert found.tau == pytest.approx(kendalltau([4, 3, 2, 1], [4, 2, 3, 1]).statistic) == pytest.approx(2 / 3)
    assert "Kendall's tau = +0.67" in found.sentence() and "4 methods" in found.sentence()


def test_too_few_shared_methods_or_all_tied_gives_no_tau() -> None:
    assert _tau({"a": 1.0}, {"a": 2.0, "b": 1.0}).tau is None
    assert _tau({"a": 1.0, "b": 1.0}, {"a": 2.0, "b": 1.0}).tau is None
    assert "too few shared methods" in _tau({"a": 1.0}, {"b": 1.0}).sentence()
