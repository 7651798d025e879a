"""judge_confidence: the judge's mean top-class probability on a task's samples."""

from metrics import register_metric


@register_metric("judge_confidence", "class-gen", True, "mean top-class probability the judge gives the samples")
def judge_confidence(evaluation) -> float:
    return float(evaluation.sample_logits.softmax(1).amax(1).double().mean())
