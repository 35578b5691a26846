"""``POST /api/v1/system/import``: merge an uploaded client file into the client base.

The upload is streamed to a temporary file (never held in memory whole),
the multipart body is split there by werkzeug's parser, and the file is read
row by row by ``api.admin.import_files`` in a worker thread. The rows then go to the
client-registry actor, which plans the merge inside its mailbox and applies
it as ONE journal append (chunked into ``clients.imported`` events): an
import is wholly applied or wholly absent, even if the server dies midway.
``dry_run`` plans the same way and appends nothing, so it answers the counts
the real run would.

The answer is SPEC §3's ``{"total_rows", "created", "updated", "duplicates",
"errors": [{"row", "message"}]}`` plus ``unchanged``: how many of the
``updated`` rows changed nothing (their client already had every field the
row carries), so a re-import of an unchanged file shows ``updated ==
unchanged`` and the page «Дополнено 0». A row error's ``message`` and every
refusal's ``detail`` follow ``Accept-Language`` (``ru``: Russian); the 413
names the limit (``ZAPIS_IMPORT_MAX_BYTES``) in MB.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel, Field
from quart import Blueprint, g, request
from quart_schema import DataSource, document_request, document_response, security_scheme_blueprint
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import MultiPartParser

from actors.core.import_plan import ImportRow
from api.context import app_context
from api.guards import current_user
from api.admin.import_files import Limits, open_import
from api.problems import ApiError, text
from api.texts.language import megabytes

bp = Blueprint("system_import", __name__, url_prefix="/api/v1/system")
security_scheme_blueprint(bp, [{"bearer": []}])

MULTIPART_OVERHEAD = 64 * 1024  # boundaries and the small form fields around the file
UPLOAD_TIMEOUT_S = 120


class ImportRowError(BaseModel):
    row: int
    message: str


class ImportForm(BaseModel):
    """The multipart form (documentation only: the body is streamed, not validated by a model)."""

    file: bytes = Field(description="The .csv, .xls or .xlsx file (with a file name)")
    dry_run: str = Field("", description="true (1, yes, on): count what would happen, change nothing")
    mapping: str = Field("", description='JSON object {"column": "field"} overriding the headers')


class ImportResult(BaseModel):
    total_rows: int
    created: int
    updated: int
    unchanged: int = Field(description="Of `updated`: rows whose client already had every field they carry")
    duplicates: int
    errors: list[ImportRowError]


def _too_large(limit: int) -> ApiError:
    return ApiError(413, "file_too_large", "import.too_large", mb=megabytes(limit))


@bp.before_request
async def _signed_in() -> None:
    g.user = current_user()


@bp.post("/import")
@document_request(ImportForm, source=DataSource.FORM_MULTIPART)
@document_response(ImportResult)
async def import_clients() -> dict[str, Any]:
    z = app_context()
    limit = z.settings.import_max_bytes
    if request.mimetype != "multipart/form-data" or "boundary" not in request.mimetype_params:
        raise ApiError(400, "validation_error", "import.not_multipart")
    if request.content_length is not None and request.content_length > limit + MULTIPART_OVERHEAD:
        raise _too_large(limit)
    with tempfile.TemporaryDirectory(prefix="zapis-import-") as tmp:
        raw = Path(tmp) / "body"
        size = await _spool(raw, limit + MULTIPART_OVERHEAD, limit)
        form, files = await asyncio.to_thread(_split, raw, request.mimetype_params["boundary"], size, tmp)
        upload = files.get("file")
        if upload is None or not upload.filename:
            raise ApiError(400, "validation_error", "import.no_file")
        dry_run = _flag(form.get("dry_run"))
        mapping = _mapping(form.get("mapping"))
        path = Path(tmp) / "upload"
        await asyncio.to_thread(upload.save, path)
        limits = Limits(max_bytes=limit, max_rows=z.settings.import_max_rows)
        rows = await asyncio.to_thread(_read_rows, path, upload.filename, z.settings.default_region,
                                       mapping, limits)
    plan = await z.scheduler.import_clients(rows, dry_run, f"user:{g.user.login}")
    return {
        "total_rows": plan.total_rows, "created": len(plan.created), "updated": len(plan.updated),
        "unchanged": plan.unchanged, "duplicates": plan.duplicates,
        "errors": [{"row": row, "message": text(message)} for row, message in plan.errors],
    }


async def _spool(target: Path, cap: int, limit: int) -> int:
    """Write the request body to ``target`` as it arrives; 413 past ``cap`` bytes."""
    size = 0
    try:
        async with asyncio.timeout(UPLOAD_TIMEOUT_S):
            with target.open("wb") as out:
                async for chunk in request.body:
                    size += len(chunk)
                    if size > cap:
                        raise _too_large(limit)
                    out.write(chunk)
    except RequestEntityTooLarge:
        raise _too_large(limit) from None
    except TimeoutError:
        raise ApiError(408, "validation_error", "import.timeout") from None
    return size


def _split(raw: Path, boundary: str, size: int, tmp: str) -> tuple[MultiDict[str, str], MultiDict[str, FileStorage]]:
    def spill(*_: Any, **__: Any) -> Any:
        return tempfile.TemporaryFile("w+b", dir=tmp)

    parser = MultiPartParser(stream_factory=spill, max_form_memory_size=256 * 1024, max_form_parts=20)
    try:
        with raw.open("rb") as stream:
            return parser.parse(stream, boundary.encode("latin-1"), size)
    except (ValueError, RequestEntityTooLarge):
        raise ApiError(400, "validation_error", "import.malformed") from None


def _read_rows(path: Path, filename: str, region: str, mapping: dict[str, str] | None,
               limits: Limits) -> list[ImportRow]:
    with open_import(path, region=region, mapping=mapping, filename=filename, limits=limits) as rows:
        return list(rows)


def _flag(raw: str | None) -> bool:
    if raw is None or raw.strip().lower() in ("", "0", "false", "no", "off"):
        return False
    if raw.strip().lower() in ("1", "true", "yes", "on"):
        return True
    raise ApiError(400, "validation_error", "import.dry_run")


def _mapping(raw: str | None) -> dict[str, str] | None:
    if raw is None or not raw.strip():
        return None
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ApiError(400, "validation_error", "import.mapping_json") from None
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ApiError(400, "validation_error", "import.mapping_json")
    return value  # field names are checked by the reader (InvalidMapping)
