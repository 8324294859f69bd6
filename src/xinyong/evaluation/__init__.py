"""Evaluation engine (信用评价): credit models as data, compiled once to Ibis, run on DuckDB, Spark or
a pure-Python reference evaluator, with explained grades. See docs/evaluation.md and docs/models.md."""
