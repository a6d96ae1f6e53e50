import datetime
from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ...client import AuthenticatedClient, Client
from ...models.get_v1_audit_format import GetV1AuditFormat
from ...models.get_v1_audit_outcome import GetV1AuditOutcome
from ...models.get_v1_audit_response_200 import GetV1AuditResponse200
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    document: UUID | Unset = UNSET,
    patient: str | Unset = UNSET,
    actor: str | Unset = UNSET,
    action: str | Unset = UNSET,
    outcome: GetV1AuditOutcome | Unset = UNSET,
    break_glass: bool | Unset = UNSET,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    limit: int | Unset = 100,
    cursor: str | Unset = UNSET,
    field_format_: GetV1AuditFormat | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_document: str | Unset = UNSET
    if not isinstance(document, Unset):
        json_document = str(document)
    params["document"] = json_document

    params["patient"] = patient

    params["actor"] = actor

    params["action"] = action

    json_outcome: str | Unset = UNSET
    if not isinstance(outcome, Unset):
        json_outcome = outcome.value

    params["outcome"] = json_outcome

    params["breakGlass"] = break_glass

    json_from_: str | Unset = UNSET
    if not isinstance(from_, Unset):
        json_from_ = from_.isoformat()
    params["from"] = json_from_

    json_to: str | Unset = UNSET
    if not isinstance(to, Unset):
        json_to = to.isoformat()
    params["to"] = json_to

    params["limit"] = limit

    params["cursor"] = cursor

    json_field_format_: str | Unset = UNSET
    if not isinstance(field_format_, Unset):
        json_field_format_ = field_format_.value

    params["_format"] = json_field_format_

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/audit",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> GetV1AuditResponse200 | Problem:
    if response.status_code == 200:
        response_200 = GetV1AuditResponse200.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    response_default = Problem.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[GetV1AuditResponse200 | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    document: UUID | Unset = UNSET,
    patient: str | Unset = UNSET,
    actor: str | Unset = UNSET,
    action: str | Unset = UNSET,
    outcome: GetV1AuditOutcome | Unset = UNSET,
    break_glass: bool | Unset = UNSET,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    limit: int | Unset = 100,
    cursor: str | Unset = UNSET,
    field_format_: GetV1AuditFormat | Unset = UNSET,
) -> Response[GetV1AuditResponse200 | Problem]:
    """The audit trail, newest first (auditor, admin)

    Args:
        document (UUID | Unset):
        patient (str | Unset):
        actor (str | Unset):
        action (str | Unset):
        outcome (GetV1AuditOutcome | Unset):
        break_glass (bool | Unset):
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        limit (int | Unset):  Default: 100.
        cursor (str | Unset):
        field_format_ (GetV1AuditFormat | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetV1AuditResponse200 | Problem]
    """

    kwargs = _get_kwargs(
        document=document,
        patient=patient,
        actor=actor,
        action=action,
        outcome=outcome,
        break_glass=break_glass,
        from_=from_,
        to=to,
        limit=limit,
        cursor=cursor,
        field_format_=field_format_,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    document: UUID | Unset = UNSET,
    patient: str | Unset = UNSET,
    actor: str | Unset = UNSET,
    action: str | Unset = UNSET,
    outcome: GetV1AuditOutcome | Unset = UNSET,
    break_glass: bool | Unset = UNSET,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    limit: int | Unset = 100,
    cursor: str | Unset = UNSET,
    field_format_: GetV1AuditFormat | Unset = UNSET,
) -> GetV1AuditResponse200 | Problem | None:
    """The audit trail, newest first (auditor, admin)

    Args:
        document (UUID | Unset):
        patient (str | Unset):
        actor (str | Unset):
        action (str | Unset):
        outcome (GetV1AuditOutcome | Unset):
        break_glass (bool | Unset):
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        limit (int | Unset):  Default: 100.
        cursor (str | Unset):
        field_format_ (GetV1AuditFormat | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetV1AuditResponse200 | Problem
    """

    return sync_detailed(
        client=client,
        document=document,
        patient=patient,
        actor=actor,
        action=action,
        outcome=outcome,
        break_glass=break_glass,
        from_=from_,
        to=to,
        limit=limit,
        cursor=cursor,
        field_format_=field_format_,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    document: UUID | Unset = UNSET,
    patient: str | Unset = UNSET,
    actor: str | Unset = UNSET,
    action: str | Unset = UNSET,
    outcome: GetV1AuditOutcome | Unset = UNSET,
    break_glass: bool | Unset = UNSET,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    limit: int | Unset = 100,
    cursor: str | Unset = UNSET,
    field_format_: GetV1AuditFormat | Unset = UNSET,
) -> Response[GetV1AuditResponse200 | Problem]:
    """The audit trail, newest first (auditor, admin)

    Args:
        document (UUID | Unset):
        patient (str | Unset):
        actor (str | Unset):
        action (str | Unset):
        outcome (GetV1AuditOutcome | Unset):
        break_glass (bool | Unset):
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        limit (int | Unset):  Default: 100.
        cursor (str | Unset):
        field_format_ (GetV1AuditFormat | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetV1AuditResponse200 | Problem]
    """

    kwargs = _get_kwargs(
        document=document,
        patient=patient,
        actor=actor,
        action=action,
        outcome=outcome,
        break_glass=break_glass,
        from_=from_,
        to=to,
        limit=limit,
        cursor=cursor,
        field_format_=field_format_,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    document: UUID | Unset = UNSET,
    patient: str | Unset = UNSET,
    actor: str | Unset = UNSET,
    action: str | Unset = UNSET,
    outcome: GetV1AuditOutcome | Unset = UNSET,
    break_glass: bool | Unset = UNSET,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    limit: int | Unset = 100,
    cursor: str | Unset = UNSET,
    field_format_: GetV1AuditFormat | Unset = UNSET,
) -> GetV1AuditResponse200 | Problem | None:
    """The audit trail, newest first (auditor, admin)

    Args:
        document (UUID | Unset):
        patient (str | Unset):
        actor (str | Unset):
        action (str | Unset):
        outcome (GetV1AuditOutcome | Unset):
        break_glass (bool | Unset):
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        limit (int | Unset):  Default: 100.
        cursor (str | Unset):
        field_format_ (GetV1AuditFormat | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetV1AuditResponse200 | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            document=document,
            patient=patient,
            actor=actor,
            action=action,
            outcome=outcome,
            break_glass=break_glass,
            from_=from_,
            to=to,
            limit=limit,
            cursor=cursor,
            field_format_=field_format_,
        )
    ).parsed
