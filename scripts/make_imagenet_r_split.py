"""Convert CODA-Prompt's fixed ImageNet-R split (dataloaders/splits/imagenet-r_{train,test}.yaml
of GT-RIPL/CODA-Prompt) into benchmarks/data/splits/imagenet-r-coda.json.gz.

The YAML files list `data/imagenet-r/<wnid>/<file>.jpg` paths and integer targets; the file
written here keeps both lists in their order as `<wnid>/<file>` and the wnid of every target
index (CODA-Prompt's class index, which is not the sorted wnid order).

    python scripts/make_imagenet_r_split.py TRAIN_YAML TEST_YAML
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
from pathlib import Path

import yaml

OUT = Path(__file__).resolve().parent.parent / "benchmarks" / "data" / "splits" / "imagenet-r-coda.json.gz"
PREFIX = "data/imagenet-r/"


def convert(train_yaml: Path, test_yaml: Path) -> dict:
    classes: dict[int, str] = {}
    split = {"source": "GT-RIPL/CODA-Prompt dataloaders/splits/imagenet-r_{train,test}.yaml"}
    for name, path in (("train", train_yaml), ("test", test_yaml)):
        raw = path.read_bytes()
        split[f"{name}_yaml_sha256"] = hashlib.sha256(raw).hexdigest()
        loaded = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        files = []
        for item, target in zip(loaded["data"], loaded["targets"]):
            if not item.startswith(PREFIX):
                raise SystemExit(f"unexpected path {item!r}: expected the prefix {PREFIX}")
            relative = item[len(PREFIX):]
            wnid = relative.split("/")[0]
            if classes.setdefault(int(target), wnid) != wnid:
                raise SystemExit(f"target {target} names two folders: {classes[int(target)]} and {wnid}")
            files.append(relative)
        split[name] = files
    split["classes"] = [classes[i] for i in range(len(classes))]
    return split


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    split = convert(Path(argv[0]), Path(argv[1]))
    with gzip.GzipFile(OUT, "wb", mtime=0) as handle:
        handle.write(json.dumps(split, separators=(",", ":")).encode())
    print(f"{OUT}: {len(split['classes'])} classes, {len(split['train'])} train / {len(split['test'])} test")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
