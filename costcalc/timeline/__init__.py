"""Caching over time: timelines of queries, every caching strategy counted and priced exactly (docs/timelines.md)."""
