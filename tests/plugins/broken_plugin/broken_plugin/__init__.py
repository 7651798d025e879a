"""A harness plugin for tests whose method cannot be imported."""
