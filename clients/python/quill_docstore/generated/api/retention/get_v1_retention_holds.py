from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ...client import AuthenticatedClient, Client
from ...models.get_v1_retention_holds_response_200 import GetV1RetentionHoldsResponse200
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    active: bool | Unset = True,
    patient: str | Unset = UNSET,
    document: UUID | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["active"] = active

    params["patient"] = patient

    json_document: str | Unset = UNSET
    if not isinstance(document, Unset):
        json_document = str(document)
    params["document"] = json_document

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/retention/holds",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> GetV1RetentionHoldsResponse200 | Problem:
    if response.status_code == 200:
        response_200 = GetV1RetentionHoldsResponse200.from_dict(response.json())

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
) -> Response[GetV1RetentionHoldsResponse200 | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    active: bool | Unset = True,
    patient: str | Unset = UNSET,
    document: UUID | Unset = UNSET,
) -> Response[GetV1RetentionHoldsResponse200 | Problem]:
    """Legal holds, newest first (records-manager, admin)

    Args:
        active (bool | Unset):  Default: True.
        patient (str | Unset):
        document (UUID | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetV1RetentionHoldsResponse200 | Problem]
    """

    kwargs = _get_kwargs(
        active=active,
        patient=patient,
        document=document,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    active: bool | Unset = True,
    patient: str | Unset = UNSET,
    document: UUID | Unset = UNSET,
) -> GetV1RetentionHoldsResponse200 | Problem | None:
    """Legal holds, newest first (records-manager, admin)

    Args:
        active (bool | Unset):  Default: True.
        patient (str | Unset):
        document (UUID | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetV1RetentionHoldsResponse200 | Problem
    """

    return sync_detailed(
        client=client,
        active=active,
        patient=patient,
        document=document,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    active: bool | Unset = True,
    patient: str | Unset = UNSET,
    document: UUID | Unset = UNSET,
) -> Response[GetV1RetentionHoldsResponse200 | Problem]:
    """Legal holds, newest first (records-manager, admin)

    Args:
        active (bool | Unset):  Default: True.
        patient (str | Unset):
        document (UUID | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetV1RetentionHoldsResponse200 | Problem]
    """

    kwargs = _get_kwargs(
        active=active,
        patient=patient,
        document=document,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    active: bool | Unset = True,
    patient: str | Unset = UNSET,
    document: UUID | Unset = UNSET,
) -> GetV1RetentionHoldsResponse200 | Problem | None:
    """Legal holds, newest first (records-manager, admin)

    Args:
        active (bool | Unset):  Default: True.
        patient (str | Unset):
        document (UUID | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetV1RetentionHoldsResponse200 | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            active=active,
            patient=patient,
            document=document,
        )
    ).parsed
