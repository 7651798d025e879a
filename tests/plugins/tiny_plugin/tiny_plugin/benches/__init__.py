"""Bench YAML files the tiny plugin ships (one per `harness.benches` entry point)."""
