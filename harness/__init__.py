"""Benchmark harness for continual learning of generative models."""

__version__ = "0.1.0"
