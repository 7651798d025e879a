"""A harness plugin for tests: a method, a metric and a bench registered through entry points."""
