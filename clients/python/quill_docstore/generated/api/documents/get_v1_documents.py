import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.get_v1_documents_response_200 import GetV1DocumentsResponse200
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    patient: str,
    type_: str | Unset = UNSET,
    from_: datetime.date | Unset = UNSET,
    to: datetime.date | Unset = UNSET,
    include_entered_in_error: bool | Unset = False,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["patient"] = patient

    params["type"] = type_

    json_from_: str | Unset = UNSET
    if not isinstance(from_, Unset):
        json_from_ = from_.isoformat()
    params["from"] = json_from_

    json_to: str | Unset = UNSET
    if not isinstance(to, Unset):
        json_to = to.isoformat()
    params["to"] = json_to

    params["includeEnteredInError"] = include_entered_in_error

    params["limit"] = limit

    params["cursor"] = cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/documents",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> GetV1DocumentsResponse200 | Problem:
    if response.status_code == 200:
        response_200 = GetV1DocumentsResponse200.from_dict(response.json())

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
) -> Response[GetV1DocumentsResponse200 | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    patient: str,
    type_: str | Unset = UNSET,
    from_: datetime.date | Unset = UNSET,
    to: datetime.date | Unset = UNSET,
    include_entered_in_error: bool | Unset = False,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
) -> Response[GetV1DocumentsResponse200 | Problem]:
    """A patient's documents, newest first, cursor-paged

    Args:
        patient (str):
        type_ (str | Unset):
        from_ (datetime.date | Unset):
        to (datetime.date | Unset):
        include_entered_in_error (bool | Unset):  Default: False.
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetV1DocumentsResponse200 | Problem]
    """

    kwargs = _get_kwargs(
        patient=patient,
        type_=type_,
        from_=from_,
        to=to,
        include_entered_in_error=include_entered_in_error,
        limit=limit,
        cursor=cursor,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    patient: str,
    type_: str | Unset = UNSET,
    from_: datetime.date | Unset = UNSET,
    to: datetime.date | Unset = UNSET,
    include_entered_in_error: bool | Unset = False,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
) -> GetV1DocumentsResponse200 | Problem | None:
    """A patient's documents, newest first, cursor-paged

    Args:
        patient (str):
        type_ (str | Unset):
        from_ (datetime.date | Unset):
        to (datetime.date | Unset):
        include_entered_in_error (bool | Unset):  Default: False.
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetV1DocumentsResponse200 | Problem
    """

    return sync_detailed(
        client=client,
        patient=patient,
        type_=type_,
        from_=from_,
        to=to,
        include_entered_in_error=include_entered_in_error,
        limit=limit,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    patient: str,
    type_: str | Unset = UNSET,
    from_: datetime.date | Unset = UNSET,
    to: datetime.date | Unset = UNSET,
    include_entered_in_error: bool | Unset = False,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
) -> Response[GetV1DocumentsResponse200 | Problem]:
    """A patient's documents, newest first, cursor-paged

    Args:
        patient (str):
        type_ (str | Unset):
        from_ (datetime.date | Unset):
        to (datetime.date | Unset):
        include_entered_in_error (bool | Unset):  Default: False.
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetV1DocumentsResponse200 | Problem]
    """

    kwargs = _get_kwargs(
        patient=patient,
        type_=type_,
        from_=from_,
        to=to,
        include_entered_in_error=include_entered_in_error,
        limit=limit,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    patient: str,
    type_: str | Unset = UNSET,
    from_: datetime.date | Unset = UNSET,
    to: datetime.date | Unset = UNSET,
    include_entered_in_error: bool | Unset = False,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
) -> GetV1DocumentsResponse200 | Problem | None:
    """A patient's documents, newest first, cursor-paged

    Args:
        patient (str):
        type_ (str | Unset):
        from_ (datetime.date | Unset):
        to (datetime.date | Unset):
        include_entered_in_error (bool | Unset):  Default: False.
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetV1DocumentsResponse200 | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            patient=patient,
            type_=type_,
            from_=from_,
            to=to,
            include_entered_in_error=include_entered_in_error,
            limit=limit,
            cursor=cursor,
        )
    ).parsed
