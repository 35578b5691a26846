"""OpenAPI tweaks and an offline docs page.

quart-schema leaves ``requestBody.required`` unset and documents no error
responses; this provider marks bodies required and adds the problem
document for the statuses every operation can answer. The docs page serves
Swagger UI from the installed ``swagger-ui-bundle`` package (no CDN) and
starts it from an external script, so it obeys the strict CSP.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import swagger_ui_bundle
from quart import Blueprint, Response, send_from_directory
from quart_schema import OpenAPIProvider
from quart_schema.validation import DataSource

from api.schemas import Problem

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
ERRORS = {
    "400": "Invalid input", "401": "Not authenticated", "403": "Outside your access",
    "404": "Not found", "409": "Conflict", "413": "Too large", "422": "Idempotency key reused",
    "429": "Rate limited", "503": "Journal unavailable",
}


class ZapisOpenAPI(OpenAPIProvider):
    def build_request_body(self, model: Any, source: DataSource) -> tuple[dict[str, Any], dict[str, Any]]:
        body, components = super().build_request_body(model, source)
        body["required"] = True
        return body, components

    def schema(self) -> dict[str, Any]:
        doc = super().schema()
        doc.setdefault("components", {}).setdefault("schemas", {})["Problem"] = Problem.model_json_schema()
        for path in doc.get("paths", {}).values():
            for op in path.values():
                if not isinstance(op, dict) or "responses" not in op:
                    continue
                for status, text in ERRORS.items():
                    op["responses"].setdefault(status, {
                        "description": text,
                        "content": {"application/problem+json": {"schema": PROBLEM_REF}},
                    })
        return doc


docs = Blueprint("docs", __name__)
SWAGGER = Path(swagger_ui_bundle.swagger_ui_path)
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>zapis API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>"""
INIT = 'window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui"});\n'


@docs.get("/docs")
async def page() -> Response:
    return Response(PAGE, content_type="text/html; charset=utf-8")


@docs.get("/docs/init.js")
async def init() -> Response:
    return Response(INIT, content_type="text/javascript")


@docs.get("/docs/assets/<path:name>")
async def assets(name: str) -> Response:
    return await send_from_directory(SWAGGER, name)
