"""Track `class-gen`: class-incremental generation judged by a classifier trained on real data."""
