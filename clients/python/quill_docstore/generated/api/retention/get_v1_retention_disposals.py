from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.get_v1_retention_disposals_response_200 import (
    GetV1RetentionDisposalsResponse200,
)
from ...models.get_v1_retention_disposals_state import GetV1RetentionDisposalsState
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    state: GetV1RetentionDisposalsState | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_state: str | Unset = UNSET
    if not isinstance(state, Unset):
        json_state = state.value

    params["state"] = json_state

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/retention/disposals",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> GetV1RetentionDisposalsResponse200 | Problem:
    if response.status_code == 200:
        response_200 = GetV1RetentionDisposalsResponse200.from_dict(response.json())

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
) -> Response[GetV1RetentionDisposalsResponse200 | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    state: GetV1RetentionDisposalsState | Unset = UNSET,
) -> Response[GetV1RetentionDisposalsResponse200 | Problem]:
    """Disposal batches (records-manager, admin)

    Args:
        state (GetV1RetentionDisposalsState | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetV1RetentionDisposalsResponse200 | Problem]
    """

    kwargs = _get_kwargs(
        state=state,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    state: GetV1RetentionDisposalsState | Unset = UNSET,
) -> GetV1RetentionDisposalsResponse200 | Problem | None:
    """Disposal batches (records-manager, admin)

    Args:
        state (GetV1RetentionDisposalsState | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetV1RetentionDisposalsResponse200 | Problem
    """

    return sync_detailed(
        client=client,
        state=state,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    state: GetV1RetentionDisposalsState | Unset = UNSET,
) -> Response[GetV1RetentionDisposalsResponse200 | Problem]:
    """Disposal batches (records-manager, admin)

    Args:
        state (GetV1RetentionDisposalsState | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetV1RetentionDisposalsResponse200 | Problem]
    """

    kwargs = _get_kwargs(
        state=state,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    state: GetV1RetentionDisposalsState | Unset = UNSET,
) -> GetV1RetentionDisposalsResponse200 | Problem | None:
    """Disposal batches (records-manager, admin)

    Args:
        state (GetV1RetentionDisposalsState | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetV1RetentionDisposalsResponse200 | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            state=state,
        )
    ).parsed
