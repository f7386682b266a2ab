"""Billing real usage logs: parse records, sum integer token counts per aggregate key, price each key once.

Rules: docs/usage-billing.md. Layers, each usable on its own by another engine:
`reader` (blocks of lines) -> `records`/`caches` (one record's facts, or why it is bad; `lookup` resolves models
and prices, `times` reads RFC 3339) -> `counts` (the integer aggregates) -> `pricing` (exact money, once per
aggregate key) -> `report` (the typed result and its views). `engine` drives them, with a fast path
(`structs`) and several processes for big files (`parallel`); `api` is the library face.
"""
