"""Sample grids: gutters, row and column labels, just-learned samples beside the final ones, kept across resume."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from harness.checkpoint import prune_checkpoints, save_checkpoint
from harness.sample_grid import (BACKGROUND, BLOCK_GUTTER, GUTTER, HEADER_HEIGHT, LABEL_WIDTH, MARGIN, MIN_CELL, MISSING, PER_CLASS,
                                 keep_just_learned, load_just_learned, render_sample_grid, save_sample_grid)


def _task(classes: list[int], value: float) -> tuple[torch.Tensor, torch.Tensor]:
    """PER_CLASS constant 8x8 images per class: class c, sample k has grey value `value` + 0.01 k."""
    labels = torch.tensor(classes).repeat_interleave(PER_CLASS + 2)
    levels = torch.tensor([value + 0.01 * (k % (PER_CLASS + 2)) for k in range(len(labels))])
    return levels.view(-1, 1, 1, 1).expand(-1, 1, 8, 8).clone(), labels


def _cell_origin(row: int, column: int, block: int) -> tuple[int, int]:
    size = MIN_CELL
    left = MARGIN + LABEL_WIDTH + block * (PER_CLASS * size + (PER_CLASS - 1) * GUTTER + BLOCK_GUTTER)
    return left + column * (size + GUTTER), MARGIN + HEADER_HEIGHT + row * (size + GUTTER)


def test_grid_layout_gutters_labels_and_blocks(tmp_path: Path) -> None:
    keep_just_learned(tmp_path, 0, *_task([0, 1], 0.8))      # task 1 right after learning it: bright
    keep_just_learned(tmp_path, 1, *_task([2, 3], 0.5))
    final_samples, final_labels = (torch.cat(parts) for parts in zip(_task([0, 1], -0.6), _task([2, 3], 0.5)))  # task 1 forgotten: dark
    image = render_sample_grid(final_samples, final_labels, load_just_learned(tmp_path), num_tasks=2)
    pixels = np.asarray(image)
    expected_height = 2 * MARGIN + HEADER_HEIGHT + 4 * MIN_CELL + 3 * GUTTER
    assert pixels.shape[0] == expected_height
    for row in range(4):
        just_x, y = _cell_origin(row, 0, 0)
        final_x, _ = _cell_origin(row, 0, 1)
        just, final = pixels[y + 5, just_x + 5], pixels[y + 5, final_x + 5]
        if row < 2:  # class 0 and 1: bright just after task 1, dark after the last task
            assert just[0] == round((0.8 + 1) * 127.5) and final[0] == round((-0.6 + 1) * 127.5)
        else:
            assert (just == final).all()
        # gutters between neighbouring cells, between blocks and between rows are background
        assert tuple(pixels[y + 5, just_x + MIN_CELL]) == BACKGROUND
        assert tuple(pixels[y + 5, final_x - BLOCK_GUTTER // 2]) == BACKGROUND
        assert tuple(pixels[y + MIN_CELL, just_x + 5]) == BACKGROUND if row < 3 else True
        # the row label (class and task) is drawn in the label column
        assert (pixels[y:y + MIN_CELL, MARGIN:MARGIN + LABEL_WIDTH - 8] < 128).any()
    # the column headers are drawn above both blocks
    for block in (0, 1):
        x, _ = _cell_origin(0, 0, block)
        assert (pixels[MARGIN:MARGIN + HEADER_HEIGHT - 4, x:x + 120] < 128).any()


def test_missing_just_learned_samples_show_as_empty_cells(tmp_path: Path) -> None:
    samples, labels = _task([0, 1], 0.2)
    image = np.asarray(render_sample_grid(samples, labels, {}, num_tasks=1))
    x, y = _cell_origin(0, 0, 0)
    assert tuple(image[y + 5, x + 5]) == MISSING


def test_just_learned_samples_survive_checkpoint_pruning_and_save_is_atomic(tmp_path: Path) -> None:
    for task in range(3):
        save_checkpoint(tmp_path, task, {"w": torch.zeros(2)}, {"task": task})
        keep_just_learned(tmp_path, task, *_task([2 * task, 2 * task + 1], 0.1 * task))
        prune_checkpoints(tmp_path, keep=task)
    kept = load_just_learned(tmp_path)
    assert sorted(kept) == [0, 1, 2, 3, 4, 5]
    assert kept[4][0] == 2 and kept[4][1].shape == (PER_CLASS, 8, 8, 1) and kept[4][1].dtype == np.uint8
    grid = tmp_path / "run.samples.png"
    save_sample_grid(grid, *_task([0, 1], 0.0), kept, num_tasks=3)
    assert Image.open(grid).format == "PNG" and not list(tmp_path.glob(".*.tmp"))


def test_rows_are_labelled_with_what_they_show_and_the_label_column_fits_it(tmp_path: Path) -> None:
    """A t2i grid's labels are task indices: its rows say the concept ("digit 5 as <c5>"), not "class 0"."""
    samples, labels = _task([0, 1], 0.2)
    plain = render_sample_grid(samples, labels, {}, num_tasks=2)
    names = {0: "digit 5 as <c5> in a long prompt", 1: "digit 6 as <c6> in a long prompt"}
    named = render_sample_grid(samples, labels, {}, num_tasks=2, names=names)
    assert named.width > plain.width  # the label column grew to fit the concept names
    ink = np.asarray(named)[MARGIN + HEADER_HEIGHT:, MARGIN:named.width - plain.width + LABEL_WIDTH] < 128
    assert ink[:, LABEL_WIDTH:].any()  # the names are drawn past the default label width
