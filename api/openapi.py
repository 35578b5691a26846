"""OpenAPI tweaks and an offline docs page.

quart-schema leaves ``requestBody.required`` unset and documents no error
responses; this provider marks bodies required, adds the problem document
for the statuses every operation can answer, and documents what quart-schema
cannot express (``NON_JSON``: pages and files, the import's extra refusals).
``tests/security/test_fuzz.py`` holds every answer to this document. The docs page serves
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


def _problem(text: str) -> dict[str, Any]:
    return {"description": text, "content": {"application/problem+json": {"schema": PROBLEM_REF}}}


def _file(content_type: str, text: str) -> dict[str, Any]:
    return {"description": text, "content": {content_type: {"schema": {"type": "string"}}}}


# Answers that are not JSON models: (path, method) → extra documented responses.
ASSET = {"200": _file("*/*", "The file (its type from the extension)"),
         "304": {"description": "Not modified (If-None-Match matched the ETag)"}}
NON_JSON: dict[tuple[str, str], dict[str, Any]] = {
    ("/", "get"): {**ASSET, "200": _file("text/html", "The dashboard page")},
    ("/assets/{name}", "get"): ASSET,
    ("/docs", "get"): {"200": _file("text/html", "The API docs page")},
    ("/docs/init.js", "get"): {"200": _file("text/javascript", "Starts Swagger UI")},
    ("/docs/assets/{name}", "get"): ASSET,
    ("/api/v1/system/import", "post"): {"408": _problem("The upload took too long"),
                                        "415": _problem("Not a .csv, .xls or .xlsx file")},
    ("/api/v1/feeds/{staff_id}/{token}.ics", "get"): {
        "200": _file("text/calendar", "The master's visits as iCalendar (api/feeds.py)")},
    ("/metrics", "get"): {"200": _file("text/plain", "This process's metrics, Prometheus text format 0.0.4")},
}

# Operations that answer a file for format=csv|xlsx: their 200 has these media types too.
DOWNLOADS = {("/api/v1/system/reports", "get"), ("/api/v1/clients/export", "get")}
FILE_TYPES = {"text/csv": {"schema": {"type": "string"}},
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
                  {"schema": {"type": "string", "format": "binary"}}}


# One path, two audiences told apart by the Authorization scheme: the dashboard's operation is
# the one documented, with the other audience's use added (its route is hidden).
SHARED: dict[tuple[str, str], tuple[dict[str, list[str]], str]] = {
    ("/api/v1/appointments/{appointment_id}/reschedule", "patch"): ({"tma": []}, (
        "With `Authorization: tma …` it is the client's own reschedule (SPEC §9.3): body "
        '`{"start", "staff_id"?}`; a `new` or `confirmed` visit of yours (404 otherwise), the client '
        "rules for the new start (409 `slot_unavailable`), at least the branch's "
        "`reschedule_notice_min` before the old start (409 `too_late`); the visit goes back to `new`.")),
}


class ZapisOpenAPI(OpenAPIProvider):
    def build_request_body(self, model: Any, source: DataSource) -> tuple[dict[str, Any], dict[str, Any]]:
        body, components = super().build_request_body(model, source)
        body["required"] = True
        return body, components

    def schema(self) -> dict[str, Any]:
        doc = super().schema()
        doc.setdefault("components", {}).setdefault("schemas", {})["Problem"] = Problem.model_json_schema()
        for route, path in doc.get("paths", {}).items():
            for method, op in path.items():
                if not isinstance(op, dict) or "responses" not in op:
                    continue
                op["responses"] = {str(status): r for status, r in op["responses"].items()}  # quart-schema: ints
                if (route, method) in SHARED:
                    scheme, text = SHARED[(route, method)]
                    op.setdefault("security", []).append(scheme)
                    op["description"] = f"{op.get('description', '')}\n\n{text}".strip()
                if (route, method) in DOWNLOADS:
                    ok = op["responses"].setdefault("200", {"description": "The file"})
                    ok.setdefault("content", {}).update(FILE_TYPES)
                for status, response in NON_JSON.get((route, method), {}).items():
                    op["responses"].setdefault(status, response)
                for status, text in ERRORS.items():
                    op["responses"].setdefault(status, _problem(text))
                op["responses"].get("204", {}).pop("content", None)  # no body, so no media type
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
