"""A real google-genai Client whose HTTP goes to an httpx.MockTransport answering with REST-shaped JSON.

The answers have the shape of the Gemini API's and Vertex AI's REST bodies (camelCase, usageMetadata with detail
lists, modelVersion; Vertex AI adds createTime). Nothing leaves the process.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
from google import genai
from google.genai import types
from google.oauth2.credentials import Credentials

Answer = Callable[[httpx.Request], dict[str, Any]]


def response_body(usage: dict[str, Any], model: str = "gemini-2.5-flash", **extra: Any) -> dict[str, Any]:
    return {"candidates": [{"content": {"role": "model", "parts": [{"text": "ok"}]}, "finishReason": "STOP"}],
            "usageMetadata": usage, "modelVersion": model, "responseId": "r-1", **extra}


class FakeGemini:
    """Answers generateContent (the next queued body), streamGenerateContent (the queued chunks as SSE) and
    cachedContents create/patch/delete (the next queued cache body); records every request."""

    def __init__(self) -> None:
        self.responses: list[dict[str, Any]] = []
        self.streams: list[list[dict[str, Any]]] = []
        self.caches: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.requests.append((request.method, url))
        if "streamGenerateContent" in url:
            chunks = self.streams.pop(0)
            body = "".join(f"data: {json.dumps(chunk)}\r\n\r\n" for chunk in chunks)
            return httpx.Response(200, content=body.encode(), headers={"content-type": "text/event-stream"})
        if "cachedContents" in url:
            if request.method == "DELETE":
                return httpx.Response(200, json={})
            return httpx.Response(200, json=self.caches.pop(0))
        body = self.responses.pop(0)
        return httpx.Response(body["error"]["code"] if "error" in body else 200, json=body)

    def client(self, vertex: bool = False) -> genai.Client:
        transport = httpx.MockTransport(self.handle)
        options = types.HttpOptions(httpx_client=httpx.Client(transport=transport),
                                    httpx_async_client=httpx.AsyncClient(transport=transport))
        if vertex:
            return genai.Client(vertexai=True, project="test-project", location="us-central1",
                                # a static token: nothing to refresh, nothing to fetch
                                credentials=Credentials(token="test"), http_options=options)
        return genai.Client(api_key="test", http_options=options)
