from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.get_healthz_response_200 import GetHealthzResponse200
from ...models.get_healthz_response_503 import GetHealthzResponse503
from ...models.problem import Problem
from ...types import Response


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/healthz",
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> GetHealthzResponse200 | GetHealthzResponse503 | Problem:
    if response.status_code == 200:
        response_200 = GetHealthzResponse200.from_dict(response.json())

        return response_200

    if response.status_code == 503:
        response_503 = GetHealthzResponse503.from_dict(response.json())

        return response_503

    response_default = Problem.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[GetHealthzResponse200 | GetHealthzResponse503 | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[GetHealthzResponse200 | GetHealthzResponse503 | Problem]:
    """The process is alive (503 when a part it supervises, the embedded PostgreSQL, cannot be brought
    back: restart it)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetHealthzResponse200 | GetHealthzResponse503 | Problem]
    """

    kwargs = _get_kwargs()

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
) -> GetHealthzResponse200 | GetHealthzResponse503 | Problem | None:
    """The process is alive (503 when a part it supervises, the embedded PostgreSQL, cannot be brought
    back: restart it)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetHealthzResponse200 | GetHealthzResponse503 | Problem
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[GetHealthzResponse200 | GetHealthzResponse503 | Problem]:
    """The process is alive (503 when a part it supervises, the embedded PostgreSQL, cannot be brought
    back: restart it)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetHealthzResponse200 | GetHealthzResponse503 | Problem]
    """

    kwargs = _get_kwargs()

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
) -> GetHealthzResponse200 | GetHealthzResponse503 | Problem | None:
    """The process is alive (503 when a part it supervises, the embedded PostgreSQL, cannot be brought
    back: restart it)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetHealthzResponse200 | GetHealthzResponse503 | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed
