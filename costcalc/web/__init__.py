"""`costcalc serve`: one web page and a JSON API over the same library code as the CLI (docs/web.md).

FastAPI, uvicorn and python-multipart (the `web` extra) are imported only here, never on `estimate`'s path.
"""
