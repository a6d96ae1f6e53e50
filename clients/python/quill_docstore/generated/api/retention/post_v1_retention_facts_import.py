from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.post_v1_retention_facts_import_response_200 import (
    PostV1RetentionFactsImportResponse200,
)
from ...models.problem import Problem
from ...types import Response


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/retention/facts/import",
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PostV1RetentionFactsImportResponse200 | Problem:
    if response.status_code == 200:
        response_200 = PostV1RetentionFactsImportResponse200.from_dict(response.json())

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

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    response_default = Problem.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[PostV1RetentionFactsImportResponse200 | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[PostV1RetentionFactsImportResponse200 | Problem]:
    """Bulk patient facts as NDJSON, one {"patient": …, "dateOfDeath": …} per line; each line applied and
    audited on its own; errors reported by line (records-manager, admin)

     Content-Type: application/x-ndjson. Each line is a JSON object with `patient` and any of
    dateOfBirth, dateOfDeath, lastContact, lastChildBirth (YYYY-MM-DD or null). Lines over 64 KiB are
    reported, not read.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PostV1RetentionFactsImportResponse200 | Problem]
    """

    kwargs = _get_kwargs()

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
) -> PostV1RetentionFactsImportResponse200 | Problem | None:
    """Bulk patient facts as NDJSON, one {"patient": …, "dateOfDeath": …} per line; each line applied and
    audited on its own; errors reported by line (records-manager, admin)

     Content-Type: application/x-ndjson. Each line is a JSON object with `patient` and any of
    dateOfBirth, dateOfDeath, lastContact, lastChildBirth (YYYY-MM-DD or null). Lines over 64 KiB are
    reported, not read.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PostV1RetentionFactsImportResponse200 | Problem
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[PostV1RetentionFactsImportResponse200 | Problem]:
    """Bulk patient facts as NDJSON, one {"patient": …, "dateOfDeath": …} per line; each line applied and
    audited on its own; errors reported by line (records-manager, admin)

     Content-Type: application/x-ndjson. Each line is a JSON object with `patient` and any of
    dateOfBirth, dateOfDeath, lastContact, lastChildBirth (YYYY-MM-DD or null). Lines over 64 KiB are
    reported, not read.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PostV1RetentionFactsImportResponse200 | Problem]
    """

    kwargs = _get_kwargs()

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
) -> PostV1RetentionFactsImportResponse200 | Problem | None:
    """Bulk patient facts as NDJSON, one {"patient": …, "dateOfDeath": …} per line; each line applied and
    audited on its own; errors reported by line (records-manager, admin)

     Content-Type: application/x-ndjson. Each line is a JSON object with `patient` and any of
    dateOfBirth, dateOfDeath, lastContact, lastChildBirth (YYYY-MM-DD or null). Lines over 64 KiB are
    reported, not read.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PostV1RetentionFactsImportResponse200 | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed
