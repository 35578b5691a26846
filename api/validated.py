"""Request validation with pydantic models, documented for OpenAPI like quart-schema's.

The one validation stack of every handler, in place of quart-schema's
``validate_request`` / ``validate_querystring`` / ``validate_headers``: the same models, the same
``RequestSchemaValidationError`` (so the same 400 problem documents), the same
OpenAPI entries (through quart-schema's ``document_*``), but the model
validates directly: quart-schema builds a new ``TypeAdapter`` for every
request (≈ 60 µs each; a booking has two), which is most of a small
endpoint's own cost.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, TypeVar, get_args, get_origin

from pydantic import BaseModel, ValidationError
from quart import request
from quart_schema import RequestSchemaValidationError, document_headers, document_querystring, document_request

M = TypeVar("M", bound=BaseModel)
Handler = Callable[..., Awaitable[Any]]


def _load(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise RequestSchemaValidationError(err) from None


def validate_body(model: type[BaseModel]) -> Callable[[Handler], Handler]:
    """The JSON body as ``model``, passed as ``data=`` (400 if it is not JSON of that shape)."""
    def decorator(func: Handler) -> Handler:
        @wraps(func)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            return await func(*args, data=_load(model, await request.get_json()), **kwargs)
        return document_request(model)(wrapper)
    return decorator


def _list_fields(model: type[BaseModel]) -> frozenset[str]:
    """Query fields that take a list (``?branch_id=a&branch_id=b``), even when given once."""
    def is_list(annotation: Any) -> bool:
        if get_origin(annotation) is list:
            return True
        return any(is_list(arg) for arg in get_args(annotation))
    return frozenset(name for name, f in model.model_fields.items() if is_list(f.annotation))


def validate_query(model: type[BaseModel]) -> Callable[[Handler], Handler]:
    """The query string as ``model``, passed as ``query_args=``; a repeated key is a list."""
    lists = _list_fields(model)

    def decorator(func: Handler) -> Handler:
        @wraps(func)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            raw = {key: values if len(values) > 1 or key in lists else values[0]
                   for key, values in request.args.lists()}
            return await func(*args, query_args=_load(model, raw), **kwargs)
        return document_querystring(model)(wrapper)
    return decorator


def validate_header_fields(model: type[BaseModel]) -> Callable[[Handler], Handler]:
    """The headers named by ``model``'s fields (``idempotency_key`` ← ``Idempotency-Key``) as ``headers=``."""
    names = {name: name.replace("_", "-") for name in model.model_fields}

    def decorator(func: Handler) -> Handler:
        @wraps(func)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            raw = {field: ",".join(request.headers.getlist(header))
                   for field, header in names.items() if header in request.headers}
            return await func(*args, headers=_load(model, raw), **kwargs)
        return document_headers(model)(wrapper)
    return decorator
