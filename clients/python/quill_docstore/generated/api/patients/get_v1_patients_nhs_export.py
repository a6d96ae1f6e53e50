from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    nhs: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/patients/{nhs}/export".format(
            nhs=quote(str(nhs), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem:
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

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    response_default = Problem.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    nhs: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Problem]:
    """A patient's subject-access export: every current document with its versions, manifest, FHIR Bundle
    and access log, as one zip (records manager, admin)

    Args:
        nhs (str):  Example: 9434765919.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem]
    """

    kwargs = _get_kwargs(
        nhs=nhs,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    nhs: str,
    *,
    client: AuthenticatedClient | Client,
) -> Problem | None:
    """A patient's subject-access export: every current document with its versions, manifest, FHIR Bundle
    and access log, as one zip (records manager, admin)

    Args:
        nhs (str):  Example: 9434765919.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem
    """

    return sync_detailed(
        nhs=nhs,
        client=client,
    ).parsed


async def asyncio_detailed(
    nhs: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Problem]:
    """A patient's subject-access export: every current document with its versions, manifest, FHIR Bundle
    and access log, as one zip (records manager, admin)

    Args:
        nhs (str):  Example: 9434765919.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem]
    """

    kwargs = _get_kwargs(
        nhs=nhs,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    nhs: str,
    *,
    client: AuthenticatedClient | Client,
) -> Problem | None:
    """A patient's subject-access export: every current document with its versions, manifest, FHIR Bundle
    and access log, as one zip (records manager, admin)

    Args:
        nhs (str):  Example: 9434765919.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem
    """

    return (
        await asyncio_detailed(
            nhs=nhs,
            client=client,
        )
    ).parsed
