"""`base-model`: the floor of a concept sequence, the untouched pretrained model.

It learns nothing: each task only adds the concept's token (a random embedding row, as every
method's token starts), so the base is prompted with each concept exactly as the others are.
"""

from __future__ import annotations

import torch

from core.seeding import torch_generator
from methods._base import register_method
from methods._concept import ConceptMethod


@register_method("base-model")
class BaseModel(ConceptMethod):
    """Floor: the pretrained model prompted with each concept's token, never trained."""

    def learn(self, task) -> None:
        generator = torch_generator(self.context.seed, "train", task.index)
        self.backbone.add_concept_token(task.token, init=self.hparams.token_init, init_word=self.hparams.token_init_word, generator=generator)

    def task_parameters(self, name: str) -> list[torch.nn.Parameter]:
        return []
