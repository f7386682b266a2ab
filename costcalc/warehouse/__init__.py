"""Billing at warehouse scale: the price tables as a relation, the billing rule in SQL, DuckDB and Spark engines."""
