"""An hparam added after records were published stays out of the recorded dict and the hash while
it is at its default, so the published rows are the rows new runs join."""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.hparams import OMIT_AT_DEFAULT, build_hparams, hparams_dict, hparams_hash


@dataclass(frozen=True)
class Before:
    rank: int = 16


@dataclass(frozen=True)
class After:
    rank: int = 16
    concept_word: str = field(default="", metadata=OMIT_AT_DEFAULT)


def test_a_later_field_at_its_default_keeps_the_published_hash() -> None:
    assert hparams_dict(After()) == hparams_dict(Before()) == {"rank": 16}
    assert hparams_hash(hparams_dict(After())) == hparams_hash(hparams_dict(Before()))


def test_a_later_field_set_away_from_its_default_is_recorded_and_hashed() -> None:
    ablation = build_hparams("toy", After, {"concept_word": "digit"})
    assert hparams_dict(ablation) == {"rank": 16, "concept_word": "digit"}
    assert hparams_hash(hparams_dict(ablation)) != hparams_hash(hparams_dict(After()))


def test_clora_keeps_the_hash_of_its_published_records() -> None:
    from methods import METHODS

    clora = METHODS.get("clora")
    assert hparams_hash(hparams_dict(clora.Hparams())) == "7cbb9ef845"  # results/runs/digits-*/clora-7cbb9ef845-*
