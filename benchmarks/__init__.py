"""Canonical task sequences (one YAML each) and their data loaders (`benchmarks.data`)."""
