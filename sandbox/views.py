"""Thin JSON views: parse and validate, call a selector or service, render the wire form.

Each handler is called by `sandbox.endpoint.api_endpoint` after fault injection and
authentication, as `handler(request, api_key, **url_kwargs)`.
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, JsonResponse

from sandbox import body, selectors, services, validation, viewer, wire
from sandbox.auth import ApiKey
from sandbox.cursor import Position, cursor_decode, cursor_encode
from sandbox.errors import invalid, invalid_fields

DEFAULT_LIMIT = 20

Checked = tuple[dict[str, Any], dict[str, str]]


def _cleaned(result: Checked) -> dict[str, Any]:
    cleaned, errors = result
    if errors:
        raise invalid_fields(errors)
    return cleaned


def _no_query(request: HttpRequest) -> None:
    if request.GET:
        raise invalid_fields(dict.fromkeys(request.GET, "is not a recognised query parameter"))


def _json_body(request: HttpRequest, check: Callable[[dict[str, Any]], Checked]) -> dict:
    _no_query(request)
    return _cleaned(check(body.json_object(request)))


def _path_id(value: str, parse: validation.Parser, wire_name: str) -> str:
    message = validation.check_path_id(value, parse)
    if message is not None:
        raise invalid(f"The {wire_name} in the path {message}.", {wire_name: message})
    return value


def _is_study_id(value: str) -> bool:
    return validation.check_path_id(value, validation.STUDY_ID) is None


def _is_user_id(value: str) -> bool:
    return validation.check_path_id(value, validation.USER_ID) is None


def _page(request: HttpRequest, *, resource: str, spec, select, render, valid_pk, pk_attr):
    """The shared list flow: query -> filters, limit, cursor -> one page -> envelope."""
    filters = _cleaned(validation.check_query(request.GET, spec))
    limit = filters.pop("limit", DEFAULT_LIMIT)
    token = filters.pop("cursor", None)
    after = None
    if token is not None:
        after = cursor_decode(token, resource=resource, filters=filters, valid_pk=valid_pk)
    rows, has_more = select(filters=filters, after=after, limit=limit)
    next_cursor = None
    if has_more:
        last = Position(created_at=rows[-1].created_at, pk=getattr(rows[-1], pk_attr))
        next_cursor = cursor_encode(resource=resource, position=last, filters=filters)
    return JsonResponse(wire.page_json(resource, [render(row) for row in rows], next_cursor))


# --- Studies ----------------------------------------------------------------------------


def study_list(request: HttpRequest, api_key: ApiKey) -> JsonResponse:
    return _page(
        request,
        resource="studies",
        spec=validation.STUDY_QUERY,
        select=selectors.study_list,
        render=wire.study_json,
        valid_pk=_is_study_id,
        pk_attr="study_id",
    )


def study_create(request: HttpRequest, api_key: ApiKey) -> JsonResponse:
    def check(data: dict[str, Any]) -> Checked:
        return validation.check_body(data, validation.CREATE_FIELDS, validation.CREATE_REQUIRED)

    data = _json_body(request, check)
    study = services.study_create(data=data, api_key=api_key)
    return JsonResponse(wire.study_json(study), status=201)


def study_retrieve(request: HttpRequest, api_key: ApiKey, study_id: str) -> JsonResponse:
    study_id = _path_id(study_id, validation.STUDY_ID, "studyId")
    _no_query(request)
    return JsonResponse(wire.study_json(selectors.study_get(study_id=study_id)))


def study_update(request: HttpRequest, api_key: ApiKey, study_id: str) -> JsonResponse:
    study_id = _path_id(study_id, validation.STUDY_ID, "studyId")

    def check(data: dict[str, Any]) -> Checked:
        return validation.check_body(data, validation.UPDATE_FIELDS)

    changes = _json_body(request, check)
    study = services.study_update(study_id=study_id, changes=changes)
    return JsonResponse(wire.study_json(study))


def study_retrieve_by_uid(request: HttpRequest, api_key: ApiKey, uid: str) -> JsonResponse:
    uid = _path_id(uid, validation.dicom_uid, "studyInstanceUid")
    _no_query(request)
    return JsonResponse(wire.study_json(selectors.study_get_by_uid(study_instance_uid=uid)))


def study_cancel(request: HttpRequest, api_key: ApiKey) -> JsonResponse:
    lookup = _json_body(request, validation.check_lookup)
    success, message = services.study_cancel(lookup=lookup)
    return JsonResponse({"success": success, "message": message})


def study_uncancel(request: HttpRequest, api_key: ApiKey) -> JsonResponse:
    lookup = _json_body(request, validation.check_lookup)
    success, message = services.study_uncancel(lookup=lookup)
    return JsonResponse({"success": success, "message": message})


def study_reroute_url(request: HttpRequest, api_key: ApiKey) -> JsonResponse:
    lookup = _json_body(request, validation.check_lookup)
    study = selectors.study_find(**lookup)
    return JsonResponse({"url": viewer.viewer_url(request, study_id=study.study_id)})


# --- Users ------------------------------------------------------------------------------


def user_list(request: HttpRequest, api_key: ApiKey) -> JsonResponse:
    return _page(
        request,
        resource="users",
        spec=validation.USER_QUERY,
        select=selectors.user_list,
        render=wire.user_json,
        valid_pk=_is_user_id,
        pk_attr="user_id",
    )


def user_retrieve(request: HttpRequest, api_key: ApiKey, user_id: str) -> JsonResponse:
    user_id = _path_id(user_id, validation.USER_ID, "userId")
    _no_query(request)
    return JsonResponse(wire.user_json(selectors.user_get(user_id=user_id)))
