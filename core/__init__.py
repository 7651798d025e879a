"""The ground floor: errors, registries, seeding, the on-disk cache, plugin discovery and console
printing. Every other package of the project (metrics, benchmarks, methods, harness) may import
it; it imports none of them (tests/test_layering.py checks the direction)."""
