"""Stand-ins for a google-genai Client and its `models`, `caches` and `aio` parts that call the real methods and
hand what comes back to a Meter. Everything not wrapped is the real attribute (`__getattr__`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from costcalc.sdk.meter import Meter


class _Through:
    """Delegates every attribute it does not define to the wrapped object."""

    def __init__(self, inner: Any, meter: Meter) -> None:
        self._inner = inner
        self._meter = meter

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _model(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str | None:
    """The requested model (a fallback name when a response carries no modelVersion)."""
    model = kwargs.get("model", args[0] if args else None)
    return model if isinstance(model, str) else None


class MeteredModels(_Through):
    """`client.models`: generate_content and generate_content_stream are recorded."""

    def generate_content(self, *args: Any, **kwargs: Any) -> Any:
        response = self._inner.generate_content(*args, **kwargs)
        self._meter.record_response(response, model=_model(args, kwargs))
        return response

    def generate_content_stream(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        return self._stream(self._inner.generate_content_stream(*args, **kwargs), _model(args, kwargs))

    def _stream(self, chunks: Iterator[Any], model: str | None) -> Iterator[Any]:
        # The usage of a stream is on its chunks, the last one complete; a stream left early (or failing) is
        # recorded with the last usage seen, as the tokens were generated and billed up to there.
        last = None
        try:
            for chunk in chunks:
                if getattr(chunk, "usage_metadata", None) is not None:
                    last = chunk
                yield chunk
        finally:
            self._meter.record_stream_end(last, model)


class MeteredAsyncModels(_Through):
    """`client.aio.models`."""

    async def generate_content(self, *args: Any, **kwargs: Any) -> Any:
        response = await self._inner.generate_content(*args, **kwargs)
        self._meter.record_response(response, model=_model(args, kwargs))
        return response

    async def generate_content_stream(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        chunks = await self._inner.generate_content_stream(*args, **kwargs)
        return self._stream(chunks, _model(args, kwargs))

    async def _stream(self, chunks: AsyncIterator[Any], model: str | None) -> AsyncIterator[Any]:
        last = None
        try:
            async for chunk in chunks:
                if getattr(chunk, "usage_metadata", None) is not None:
                    last = chunk
                yield chunk
        finally:
            self._meter.record_stream_end(last, model)


class MeteredCaches(_Through):
    """`client.caches`: every version of a cache (create, update) and its deletion are recorded."""

    def create(self, *args: Any, **kwargs: Any) -> Any:
        cached = self._inner.create(*args, **kwargs)
        self._meter.record_cache(cached)
        return cached

    def update(self, *args: Any, **kwargs: Any) -> Any:
        cached = self._inner.update(*args, **kwargs)
        self._meter.record_cache(cached)
        return cached

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        answer = self._inner.delete(*args, **kwargs)
        self._meter.record_deletion(kwargs.get("name", args[0] if args else ""))
        return answer


class MeteredAsyncCaches(_Through):
    """`client.aio.caches`."""

    async def create(self, *args: Any, **kwargs: Any) -> Any:
        cached = await self._inner.create(*args, **kwargs)
        self._meter.record_cache(cached)
        return cached

    async def update(self, *args: Any, **kwargs: Any) -> Any:
        cached = await self._inner.update(*args, **kwargs)
        self._meter.record_cache(cached)
        return cached

    async def delete(self, *args: Any, **kwargs: Any) -> Any:
        answer = await self._inner.delete(*args, **kwargs)
        self._meter.record_deletion(kwargs.get("name", args[0] if args else ""))
        return answer


class MeteredAsyncClient(_Through):
    """`client.aio`."""

    def __init__(self, inner: Any, meter: Meter) -> None:
        super().__init__(inner, meter)
        self.models = MeteredAsyncModels(inner.models, meter)
        self.caches = MeteredAsyncCaches(inner.caches, meter)


class MeteredClient(_Through):
    """A google-genai Client whose generate_content calls and caches are recorded by a Meter."""

    def __init__(self, inner: Any, meter: Meter) -> None:
        super().__init__(inner, meter)
        self.models = MeteredModels(inner.models, meter)
        self.caches = MeteredCaches(inner.caches, meter)
        self.aio = MeteredAsyncClient(inner.aio, meter)
