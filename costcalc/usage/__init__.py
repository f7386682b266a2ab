"""Billing real usage logs: parse records, sum integer token counts per aggregate key, price each key once.

Rules: docs/usage-billing.md. Layers, each usable on its own by another engine:
`reader` (lines of files) -> `records` (one record's facts, or why it is bad) -> `counts` (integer aggregates)
-> `pricing` (exact money per aggregate key) -> `report` (the typed result and its views).
"""
