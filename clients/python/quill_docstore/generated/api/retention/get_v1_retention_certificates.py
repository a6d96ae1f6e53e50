from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ...client import AuthenticatedClient, Client
from ...models.get_v1_retention_certificates_response_200 import (
    GetV1RetentionCertificatesResponse200,
)
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    patient: str | Unset = UNSET,
    batch: UUID | Unset = UNSET,
    limit: int | Unset = 100,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["patient"] = patient

    json_batch: str | Unset = UNSET
    if not isinstance(batch, Unset):
        json_batch = str(batch)
    params["batch"] = json_batch

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/retention/certificates",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> GetV1RetentionCertificatesResponse200 | Problem:
    if response.status_code == 200:
        response_200 = GetV1RetentionCertificatesResponse200.from_dict(response.json())

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
) -> Response[GetV1RetentionCertificatesResponse200 | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    patient: str | Unset = UNSET,
    batch: UUID | Unset = UNSET,
    limit: int | Unset = 100,
) -> Response[GetV1RetentionCertificatesResponse200 | Problem]:
    """Certificates of destruction, newest first (records-manager, auditor, admin)

    Args:
        patient (str | Unset):
        batch (UUID | Unset):
        limit (int | Unset):  Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetV1RetentionCertificatesResponse200 | Problem]
    """

    kwargs = _get_kwargs(
        patient=patient,
        batch=batch,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    patient: str | Unset = UNSET,
    batch: UUID | Unset = UNSET,
    limit: int | Unset = 100,
) -> GetV1RetentionCertificatesResponse200 | Problem | None:
    """Certificates of destruction, newest first (records-manager, auditor, admin)

    Args:
        patient (str | Unset):
        batch (UUID | Unset):
        limit (int | Unset):  Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetV1RetentionCertificatesResponse200 | Problem
    """

    return sync_detailed(
        client=client,
        patient=patient,
        batch=batch,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    patient: str | Unset = UNSET,
    batch: UUID | Unset = UNSET,
    limit: int | Unset = 100,
) -> Response[GetV1RetentionCertificatesResponse200 | Problem]:
    """Certificates of destruction, newest first (records-manager, auditor, admin)

    Args:
        patient (str | Unset):
        batch (UUID | Unset):
        limit (int | Unset):  Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetV1RetentionCertificatesResponse200 | Problem]
    """

    kwargs = _get_kwargs(
        patient=patient,
        batch=batch,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    patient: str | Unset = UNSET,
    batch: UUID | Unset = UNSET,
    limit: int | Unset = 100,
) -> GetV1RetentionCertificatesResponse200 | Problem | None:
    """Certificates of destruction, newest first (records-manager, auditor, admin)

    Args:
        patient (str | Unset):
        batch (UUID | Unset):
        limit (int | Unset):  Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetV1RetentionCertificatesResponse200 | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            patient=patient,
            batch=batch,
            limit=limit,
        )
    ).parsed
