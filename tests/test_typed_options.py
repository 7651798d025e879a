"""Options of a YAML block are typed by the signature they are handed to (harness/typed_options.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import pytest
from pydantic import BaseModel, Field

from core.errors import UsageError
from core.typed_options import Count, Seed, call_with_options


def loader(tasks: tuple[tuple[int, ...], ...], prompt: str = "a photo of {token}", images: Count = 30, seed: Seed = 0) -> tuple:
    return tasks, prompt, images, seed


@dataclass(frozen=True)
class Settings:
    steps: Annotated[int, Field(strict=True, ge=1)] = 10
    lr: float = 1e-3


def test_valid_options_arrive_checked_and_coerced() -> None:
    assert call_with_options(loader, "bench b.yaml: data", [[5], [6]], images=3) == (((5,), (6,)), "a photo of {token}", 3, 0)
    assert call_with_options(Settings, "bench b.yaml: judge", steps=2, lr=1) == Settings(2, 1.0)


@pytest.mark.parametrize(("options", "expected"), [
    ({"prompt": None}, "bench b.yaml: data.prompt: Input should be a valid string (got None)"),
    ({"images": 0}, "bench b.yaml: data.images: Input should be greater than or equal to 1 (got 0)"),
    ({"images": 2.0}, "bench b.yaml: data.images: Input should be a valid integer (got 2.0)"),
    ({"seed": True}, "bench b.yaml: data.seed: Input should be a valid integer (got True)"),
    ({"seed": -1}, "bench b.yaml: data.seed: Input should be greater than or equal to 0 (got -1)"),
    ({"../x\n": 1}, "bench b.yaml: data: unknown option '../x\\n'; valid options are prompt, images, seed"),
])
def test_a_bad_option_is_one_line_naming_the_block_and_option(options: dict, expected: str) -> None:
    with pytest.raises(UsageError) as caught:
        call_with_options(loader, "bench b.yaml: data", [[5]], **options)
    assert str(caught.value) == expected


def test_a_validation_error_raised_inside_the_callee_is_not_taken_for_a_bad_option() -> None:
    class Inner(BaseModel):
        x: int

    def builds_a_model(value: int = 0) -> Inner:
        return Inner(x="not a number")  # the callee's own bug: must surface as it is

    with pytest.raises(Exception) as caught:
        call_with_options(builds_a_model, "bench b.yaml: data", value=1)
    assert not isinstance(caught.value, UsageError)
