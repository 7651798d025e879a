"""`harness run --dry-run`: what a run will cost before it runs.

Counts the training steps and the generated images of the run's evaluation schedule (as the
track's evaluator generates them: classes x samples per class, or concepts' prompts plus the base
prompts of a row x samples per prompt), and
estimates the wall time from a short calibration on this machine: two short trainings of the
method on the first task (their difference gives the time per step without the warm-up) and
one evaluation of the first task with fewer samples per class, scaled linearly in images (the
evaluation cost is dominated by sampling, near linear in images from a moderate batch up).
"""

from __future__ import annotations

import copy
import dataclasses
import time
from typing import Callable

from harness.run_spec import PreparedRun

CALIBRATION_STEPS = (2, 12)  # per-step time = difference of two short trainings (drops the first steps' warm-up)
CALIBRATION_SAMPLES_PER_CLASS = 25  # sampling is near linear in images from a batch of this size up


@dataclasses.dataclass(frozen=True)
class Cost:
    training_steps: int
    evaluations: int  # matrix entries filled
    generated_images: int
    seconds_per_step: float | None = None
    seconds_per_image: float | None = None
    setup_s: float | None = None

    @property
    def estimate_s(self) -> float | None:
        if self.seconds_per_step is None or self.seconds_per_image is None or self.setup_s is None:
            return None
        return self.setup_s + self.training_steps * self.seconds_per_step + self.generated_images * self.seconds_per_image


def count(run: PreparedRun) -> Cost:
    """Steps and images from the bench, profile and schedule alone (no calibration)."""
    bench, profile, schedule = run.bench, run.bench.profile(run.spec.profile), run.schedule
    size = bench.num_tasks
    images = sum(len(bench.tasks[i]) * profile.eval_samples_per_class for t in range(size) for i in schedule.tasks_scored(t, size))
    return Cost(size * profile.steps_per_task, schedule.evaluations(size), images)


def calibrate(run: PreparedRun, echo: Callable[[str], None]) -> Cost:
    """`count`, plus seconds per training step and per generated image measured on this machine."""

    from harness.environment import pick_device
    from harness.scoring import EvalNoise, score_row
    from core.seeding import seeded_phase
    from harness.tracks import TRACK_REGISTRY, BuildOptions
    from harness.method_context import TrainContext
    from metrics._registry import bench_metrics

    cost = count(run)
    spec, bench = run.spec, run.bench
    profile = bench.profile(spec.profile)
    started = time.perf_counter()
    device = pick_device(spec.device)
    track, options = TRACK_REGISTRY.get(bench.track), BuildOptions(spec.data_root, spec.weights, spec.order_seed, spec.seed)
    loaded = track.load(bench, options)
    with seeded_phase(spec.seed, "init", device=device):
        backbone = track.build_backbone(bench, loaded, options)
        regularization = track.regularization(bench, loaded, backbone, options)
        backbone = backbone.to(device)
    few, more = (min(k, profile.steps_per_task) for k in CALIBRATION_STEPS)
    short = dataclasses.replace(profile, eval_samples_per_class=min(CALIBRATION_SAMPLES_PER_CLASS, profile.eval_samples_per_class))
    evaluator = track.evaluator(bench, loaded, short, EvalNoise(spec.seed), device, run.record_path)
    setup_s = time.perf_counter() - started
    size = bench.num_tasks
    cost = dataclasses.replace(cost, generated_images=sum(evaluator.generated_images(run.schedule.tasks_scored(t, size), profile.eval_samples_per_class)
                                                          for t in range(size)))
    images = evaluator.generated_images([0], short.eval_samples_per_class)
    echo(f"calibrating: {few} and {more} training steps, then {images} samples of task 1")
    seconds = []
    for steps in (few, more):
        # a fresh copy each time: a LoRA method's adapters from the first calibration would stay in the backbone
        method = run.method_cls(copy.deepcopy(backbone), run.hparams, TrainContext(dataclasses.replace(profile, steps_per_task=steps), spec.seed, device,
                                                                    len(loaded.tasks), loaded.num_classes, regularization=regularization))
        step_started = time.perf_counter()
        method.learn(loaded.tasks[0])
        seconds.append(time.perf_counter() - step_started)
    # the difference drops the warm-up; when noise makes it non-positive, the longer training's mean is the (upper) estimate
    per_step = (seconds[1] - seconds[0]) / (more - few) if more > few and seconds[1] > seconds[0] else seconds[1] / more
    eval_started = time.perf_counter()
    evaluator.use_phrasing(method.prompt_phrasing())
    score_row(evaluator, bench_metrics(bench), method.backbone, 0, [0])
    per_image = (time.perf_counter() - eval_started) / max(images, 1)
    return dataclasses.replace(cost, seconds_per_step=per_step, seconds_per_image=per_image, setup_s=setup_s)


def describe(run: PreparedRun, cost: Cost) -> str:
    size = run.bench.num_tasks
    lines = [
        f"dry run of {run.record_path.stem} on {run.bench.name} ({size} tasks, profile {run.spec.profile}, eval rows {run.schedule.name})",
        f"training steps:    {cost.training_steps}",
        f"evaluations:       {cost.evaluations} of {size * (size + 1) // 2} score-matrix entries (full rows: {len(run.schedule.full_rows(size))} of {size})",
        f"generated images:  {cost.generated_images}",
    ]
    if cost.estimate_s is not None:
        train_s, eval_s = cost.training_steps * cost.seconds_per_step, cost.generated_images * cost.seconds_per_image
        lines.append(f"estimated wall:    {cost.estimate_s:.0f} s = setup {cost.setup_s:.0f} s + training {train_s:.0f} s "
                     f"({cost.seconds_per_step * 1000:.0f} ms/step) + evaluation {eval_s:.0f} s ({cost.seconds_per_image * 1000:.1f} ms/image); "
                     "from a short calibration here, so a rough figure (a first run also trains the judge)")
    return "\n".join(lines)
