"""Thin JSON views of the control plane (called by control_endpoint after the key check)."""

from datetime import timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from sandbox import clock, requestlog, validation, wire
from sandbox.control import checks, services
from sandbox.errors import invalid_fields
from sandbox.models import ApiUser, ExpressCustomer, FaultRule
from sandbox.views import _json_body, _no_query, _path_id

MAX_REQUESTS = 10_000
DEFAULT_REQUESTS = 1_000


def _body(request: HttpRequest, fields, required=()) -> dict[str, Any]:
    return _json_body(request, lambda data: validation.check_body(data, fields, required))


def _optional_body(request: HttpRequest, fields) -> dict[str, Any]:
    """A JSON object body, or nothing at all (no body means all defaults)."""
    if (request.META.get("CONTENT_LENGTH") or "0").strip() == "0":
        _no_query(request)
        return {}
    return _body(request, fields)


def _no_content() -> HttpResponse:
    return HttpResponse(status=204)


# --- Users and Express customers -----------------------------------------------------------


def user_list(request: HttpRequest) -> JsonResponse:
    _no_query(request)
    users = ApiUser.objects.order_by("-created_at", "-user_id")
    return JsonResponse({"users": [wire.user_json(user) for user in users]})


def user_create(request: HttpRequest) -> JsonResponse:
    data = _body(request, checks.USER_FIELDS, checks.USER_REQUIRED)
    return JsonResponse(wire.user_json(services.user_create(data=data)), status=201)


def user_update(request: HttpRequest, user_id: str) -> JsonResponse:
    user_id = _path_id(user_id, validation.USER_ID, "userId")
    changes = _body(request, checks.USER_UPDATE_FIELDS)
    return JsonResponse(wire.user_json(services.user_update(user_id=user_id, changes=changes)))


def user_delete(request: HttpRequest, user_id: str) -> HttpResponse:
    services.user_delete(user_id=_path_id(user_id, validation.USER_ID, "userId"))
    return _no_content()


def customer_json(customer: ExpressCustomer) -> dict[str, Any]:
    return wire.customer_reference(customer)


def customer_list(request: HttpRequest) -> JsonResponse:
    _no_query(request)
    rows = ExpressCustomer.objects.order_by("name", "customer_id")
    return JsonResponse({"customers": [customer_json(row) for row in rows]})


def customer_create(request: HttpRequest) -> JsonResponse:
    data = _body(request, checks.CUSTOMER_FIELDS, checks.CUSTOMER_REQUIRED)
    return JsonResponse(customer_json(services.customer_create(data=data)), status=201)


def customer_update(request: HttpRequest, customer_id: str) -> JsonResponse:
    customer_id = _path_id(customer_id, validation.CUSTOMER_ID, "expressCustomerId")
    changes = _body(request, checks.CUSTOMER_UPDATE_FIELDS)
    customer = services.customer_update(customer_id=customer_id, changes=changes)
    return JsonResponse(customer_json(customer))


def customer_delete(request: HttpRequest, customer_id: str) -> HttpResponse:
    customer_id = _path_id(customer_id, validation.CUSTOMER_ID, "expressCustomerId")
    services.customer_delete(customer_id=customer_id)
    return _no_content()


# --- Studies, reset, clock ------------------------------------------------------------------


def study_times(request: HttpRequest, study_id: str) -> JsonResponse:
    study_id = _path_id(study_id, validation.STUDY_ID, "studyId")
    times = _body(request, checks.STUDY_TIME_FIELDS)
    if not times:
        message = "createdAt or updatedAt is required"
        raise invalid_fields({"createdAt": message, "updatedAt": message})
    study = services.study_times_set(study_id=study_id, times=times)
    return JsonResponse(wire.study_json(study))


def study_create(request: HttpRequest) -> JsonResponse:
    data = _body(request, checks.STUDY_FIELDS, checks.STUDY_REQUIRED)
    return JsonResponse(wire.study_json(services.study_plant(data=data)), status=201)


def study_delete(request: HttpRequest, study_id: str) -> HttpResponse:
    services.study_delete(study_id=_path_id(study_id, validation.STUDY_ID, "studyId"))
    return _no_content()


def reset(request: HttpRequest) -> JsonResponse:
    options = _optional_body(request, checks.RESET_FIELDS)
    empty = options.pop("empty", False)
    if empty and options:
        message = "an empty sandbox takes no seed, studies or now"
        raise invalid_fields({name: message for name in ("empty", *_wire_names(options))})
    result = services.sandbox_reset(
        seed=options.get("seed", 1),
        studies=options.get("studies", 300),
        now=options.get("now"),
        empty=empty,
    )
    return JsonResponse(
        {"studies": result.studies, "users": result.users, "customers": result.customers}
    )


def _wire_names(options: dict[str, Any]) -> list[str]:
    return [name for name, field in checks.RESET_FIELDS.items() if field.attr in options]


def clock_json() -> dict[str, Any]:
    return {"now": wire.timestamp(clock.now()), "offsetSeconds": clock.offset().total_seconds()}


def clock_get(request: HttpRequest) -> JsonResponse:
    _no_query(request)
    return JsonResponse(clock_json())


def clock_advance(request: HttpRequest) -> JsonResponse:
    seconds = _body(request, checks.CLOCK_FIELDS, checks.CLOCK_REQUIRED)["seconds"]
    clock.clock_advance(by=timedelta(seconds=seconds))
    return JsonResponse(clock_json())


def clock_reset(request: HttpRequest) -> JsonResponse:
    _no_query(request)
    clock.clock_reset()
    return JsonResponse(clock_json())


# --- Request log ------------------------------------------------------------------------------

REQUEST_QUERY = {
    "method": validation.Field("method", validation.enum(checks.HTTP_METHODS[1:])),
    "path": validation.Field("path", checks.path_glob),
    "pathPrefix": validation.Field("path_prefix", checks.path_glob),
    "status": validation.Field("status", lambda v: _int_text(v, 100, 599)),
    "after": validation.Field("after", lambda v: _int_text(v, 0, 2**62)),
    "limit": validation.Field("limit", lambda v: _int_text(v, 1, MAX_REQUESTS)),
}


def _int_text(value: str, minimum: int, maximum: int) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 19:
        raise validation.Invalid(f"must be an integer from {minimum} to {maximum}")
    number = int(value)
    if not minimum <= number <= maximum:
        raise validation.Invalid(f"must be an integer from {minimum} to {maximum}")
    return number


def request_json(row) -> dict[str, Any]:
    return {
        "id": row.id,
        "method": row.method,
        "path": row.path,
        "query": row.query,
        "status": row.status,
        "durationMs": row.duration_ms,
        "at": wire.timestamp(row.at),
    }


def request_list(request: HttpRequest) -> JsonResponse:
    filters, errors = validation.check_query(request.GET, REQUEST_QUERY)
    if errors:
        raise invalid_fields(errors)
    limit = filters.pop("limit", DEFAULT_REQUESTS)
    rows = requestlog.request_list(filters=filters, limit=limit)
    return JsonResponse({"requests": [request_json(row) for row in rows]})


def request_clear(request: HttpRequest) -> HttpResponse:
    _no_query(request)
    requestlog.request_clear()
    return _no_content()


# --- Faults -------------------------------------------------------------------------------------


def fault_json(rule: FaultRule) -> dict[str, Any]:
    return {
        "faultId": rule.fault_id,
        "method": rule.method,
        "path": rule.path,
        "status": rule.status,
        "rate": rule.rate,
        "latencyMs": rule.latency_ms,
        "remaining": rule.remaining,
        "fired": rule.fired,
        "createdAt": wire.timestamp(rule.created_at),
    }


def fault_list(request: HttpRequest) -> JsonResponse:
    _no_query(request)
    return JsonResponse({"faults": [fault_json(rule) for rule in FaultRule.objects.all()]})


def fault_create(request: HttpRequest) -> JsonResponse:
    data = _body(request, checks.FAULT_FIELDS, checks.FAULT_REQUIRED)
    return JsonResponse(fault_json(services.fault_create(data=data)), status=201)


def fault_clear(request: HttpRequest) -> HttpResponse:
    _no_query(request)
    FaultRule.objects.all().delete()
    return _no_content()


def fault_delete(request: HttpRequest, fault_id: str) -> HttpResponse:
    fault_id = _path_id(fault_id, checks.FAULT_ID, "faultId")
    services.fault_delete(fault_id=fault_id)
    return _no_content()
