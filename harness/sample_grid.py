"""A PNG grid of generated samples, stored beside the record (the leaderboard page shows it).

One row per class, labelled with what it shows (the class, or the track's name for it: a t2i
concept's "digit 5 as <c5>") and the task that taught it. Left block: that class's
samples right after its task was learned; right block: the same class after the last task. The
evaluation draws each task's samples from the same starting noise in every row, so the two
blocks differ by what the model forgot, not by the sampler. Cells are separated by gutters.

The just-learned samples are kept as the run goes (`keep_just_learned`, one small safetensors
file per task in the run's checkpoint folder), so a resumed run still shows them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont
from safetensors.torch import load_file, save_file

PER_CLASS = 6
MIN_CELL = 32
GUTTER = 3
BLOCK_GUTTER = 18
MARGIN = 8
FONT_SIZE = 11
LABEL_WIDTH = 96
HEADER_HEIGHT = 22
BACKGROUND = (255, 255, 255)
MISSING = (225, 225, 225)
INK = (40, 40, 40)
JUST_LEARNED = "just-learned-task{index:03d}.safetensors"
JustLearned = dict[int, tuple[int, np.ndarray]]  # class -> (task index, uint8 pixels N x H x W x C)


def _pixels(samples: torch.Tensor) -> np.ndarray:
    """[-1, 1] floats (N, C, H, W) -> uint8 (N, H, W, C)."""
    return ((samples.detach().cpu().float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()


def _by_class(samples: torch.Tensor, labels: torch.Tensor) -> dict[int, np.ndarray]:
    pixels = _pixels(samples)
    labels = labels.cpu().numpy()
    return {int(label): pixels[labels == label][:PER_CLASS] for label in sorted(set(labels.tolist()))}


def keep_just_learned(directory: Path, task_index: int, samples: torch.Tensor, labels: torch.Tensor) -> None:
    """Store up to PER_CLASS samples per class of task `task_index`, evaluated right after it was learned."""
    directory.mkdir(parents=True, exist_ok=True)
    tensors = {f"class{label}": torch.from_numpy(np.ascontiguousarray(pixels)) for label, pixels in _by_class(samples, labels).items()}
    final = directory / JUST_LEARNED.format(index=task_index)
    temporary = final.with_name(f".{final.name}.tmp")
    save_file(tensors, str(temporary), metadata={"task": str(task_index)})
    temporary.replace(final)


def load_just_learned(directory: Path) -> JustLearned:
    """Every class's just-learned samples found in `directory` (missing tasks are simply absent)."""
    kept: JustLearned = {}
    for path in sorted(Path(directory).glob(JUST_LEARNED.replace("{index:03d}", "*"))):
        task_index = int(path.stem.rsplit("task", 1)[1])
        for name, pixels in load_file(str(path)).items():
            kept[int(name.removeprefix("class"))] = (task_index, pixels.numpy())
    return kept


def _cell(pixels: np.ndarray, scale: int) -> Image.Image:
    image = Image.fromarray(pixels[..., 0] if pixels.shape[-1] == 1 else pixels).convert("RGB")
    return image.resize((image.width * scale, image.height * scale), Image.NEAREST)


def _paste_block(canvas: Image.Image, pixels: Optional[np.ndarray], left: int, top: int, size: int, scale: int) -> None:
    draw = ImageDraw.Draw(canvas)
    for k in range(PER_CLASS):
        x = left + k * (size + GUTTER)
        if pixels is not None and k < len(pixels):
            canvas.paste(_cell(pixels[k], scale), (x, top))
        else:
            draw.rectangle((x, top, x + size - 1, top + size - 1), fill=MISSING)


def _row_labels(final: dict[int, np.ndarray], just_learned: JustLearned, names: dict[int, str]) -> dict[int, str]:
    labels = {}
    for label in final:
        task = just_learned.get(label, (None, None))[0]
        labels[label] = names.get(label, f"class {label}") + ("" if task is None else f" · T{task + 1}")
    return labels


def render_sample_grid(samples: torch.Tensor, labels: torch.Tensor, just_learned: Optional[JustLearned] = None,
                       num_tasks: Optional[int] = None, names: Optional[dict[int, str]] = None) -> Image.Image:
    """The grid as an image: `samples`/`labels` are the final samples (after the last task);
    `names` says what a label's row shows (default "class <label>")."""
    final = _by_class(samples, labels)
    just_learned = just_learned or {}
    font = ImageFont.load_default(size=FONT_SIZE)
    row_labels = _row_labels(final, just_learned, names or {})
    label_width = max([LABEL_WIDTH, *(int(font.getlength(text)) + 10 for text in row_labels.values())])
    height, width = samples.shape[-2:]
    scale = max(1, MIN_CELL // max(height, width))
    size = max(height, width) * scale
    block = PER_CLASS * size + (PER_CLASS - 1) * GUTTER
    canvas = Image.new("RGB", (MARGIN * 2 + label_width + 2 * block + BLOCK_GUTTER,
                               MARGIN * 2 + HEADER_HEIGHT + len(final) * (size + GUTTER) - GUTTER), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    left_block, right_block = MARGIN + label_width, MARGIN + label_width + block + BLOCK_GUTTER
    last = f"after the last task (T{num_tasks})" if num_tasks else "after the last task"
    draw.text((left_block, MARGIN), "right after learning its task", fill=INK, font=font)
    draw.text((right_block, MARGIN), last, fill=INK, font=font)
    for row, (label, pixels) in enumerate(final.items()):
        top = MARGIN + HEADER_HEIGHT + row * (size + GUTTER)
        draw.text((MARGIN, top + size // 2), row_labels[label], fill=INK, font=font, anchor="lm")
        _paste_block(canvas, just_learned.get(label, (None, None))[1], left_block, top, size, scale)
        _paste_block(canvas, pixels, right_block, top, size, scale)
    return canvas


def save_sample_grid(path: Path, samples: torch.Tensor, labels: torch.Tensor, just_learned: Optional[JustLearned] = None,
                     num_tasks: Optional[int] = None, names: Optional[dict[int, str]] = None) -> None:
    """Write the grid atomically as PNG (see the module docstring for its layout)."""
    image = render_sample_grid(samples, labels, just_learned, num_tasks, names)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    image.save(temporary, format="PNG")
    temporary.replace(path)
