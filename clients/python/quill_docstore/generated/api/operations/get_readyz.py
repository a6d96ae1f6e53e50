from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.get_readyz_response_200 import GetReadyzResponse200
from ...models.get_readyz_response_503 import GetReadyzResponse503
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    verbose: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["verbose"] = verbose

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/readyz",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> GetReadyzResponse200 | GetReadyzResponse503 | Problem:
    if response.status_code == 200:
        response_200 = GetReadyzResponse200.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 503:
        response_503 = GetReadyzResponse503.from_dict(response.json())

        return response_503

    response_default = Problem.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[GetReadyzResponse200 | GetReadyzResponse503 | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    verbose: str | Unset = UNSET,
) -> Response[GetReadyzResponse200 | GetReadyzResponse503 | Problem]:
    """Every storage layer answers

     Public: overall status and each layer ok/down, nothing else. With an admin bearer token (or
    `?verbose`, which requires one) the answer adds each layer's detail: store names, doctor findings,
    errors. Each check is given 1.5 s, so the answer comes within 2 s.

    Args:
        verbose (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetReadyzResponse200 | GetReadyzResponse503 | Problem]
    """

    kwargs = _get_kwargs(
        verbose=verbose,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    verbose: str | Unset = UNSET,
) -> GetReadyzResponse200 | GetReadyzResponse503 | Problem | None:
    """Every storage layer answers

     Public: overall status and each layer ok/down, nothing else. With an admin bearer token (or
    `?verbose`, which requires one) the answer adds each layer's detail: store names, doctor findings,
    errors. Each check is given 1.5 s, so the answer comes within 2 s.

    Args:
        verbose (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetReadyzResponse200 | GetReadyzResponse503 | Problem
    """

    return sync_detailed(
        client=client,
        verbose=verbose,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    verbose: str | Unset = UNSET,
) -> Response[GetReadyzResponse200 | GetReadyzResponse503 | Problem]:
    """Every storage layer answers

     Public: overall status and each layer ok/down, nothing else. With an admin bearer token (or
    `?verbose`, which requires one) the answer adds each layer's detail: store names, doctor findings,
    errors. Each check is given 1.5 s, so the answer comes within 2 s.

    Args:
        verbose (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetReadyzResponse200 | GetReadyzResponse503 | Problem]
    """

    kwargs = _get_kwargs(
        verbose=verbose,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    verbose: str | Unset = UNSET,
) -> GetReadyzResponse200 | GetReadyzResponse503 | Problem | None:
    """Every storage layer answers

     Public: overall status and each layer ok/down, nothing else. With an admin bearer token (or
    `?verbose`, which requires one) the answer adds each layer's detail: store names, doctor findings,
    errors. Each check is given 1.5 s, so the answer comes within 2 s.

    Args:
        verbose (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetReadyzResponse200 | GetReadyzResponse503 | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            verbose=verbose,
        )
    ).parsed
