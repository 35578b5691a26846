"""The client operations are documented: tma security, bodies, success and problem responses."""

from __future__ import annotations

from tests.client.kit import start
from tests.harness import Harness

OPERATIONS = {
    ("post", "/api/v1/clients/auth"): {"200", "201"},
    ("get", "/api/v1/slots/available"): {"200"},
    ("post", "/api/v1/slots/hold"): {"201"},
    ("delete", "/api/v1/slots/hold/{hold_id}"): {"204"},
    ("post", "/api/v1/appointments"): {"201"},
    ("get", "/api/v1/appointments/my"): {"200"},
    ("post", "/api/v1/appointments/{appointment_id}/cancel"): {"200"},
}


async def test_client_operations_in_openapi(harness: Harness) -> None:
    client = await start(harness)
    doc = await (await client.get("/openapi.json")).get_json()
    assert doc["components"]["securitySchemes"]["tma"]["name"] == "Authorization"
    for (method, path), ok in OPERATIONS.items():
        op = doc["paths"][path][method]
        assert op["security"] == [{"tma": []}], path
        assert ok | {"401", "403", "400"} <= set(op["responses"]), path
        assert op["responses"]["401"]["content"]["application/problem+json"]
    for path in ("/api/v1/slots/hold", "/api/v1/appointments"):
        op = doc["paths"][path]["post"]
        assert op["requestBody"]["required"] is True
        assert "idempotency-key" in {p["name"].lower() for p in op["parameters"] if p["in"] == "header"}
    query = {p["name"] for p in doc["paths"]["/api/v1/slots/available"]["get"]["parameters"]}
    assert query == {"branch_id", "service_id", "date_from", "date_to", "staff_id"}
