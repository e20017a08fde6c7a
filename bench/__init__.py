"""The benchmark harness (`make bench`): see docs/bench.md."""
