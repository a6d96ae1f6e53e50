from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.get_v1_retention_patients_patient_facts_response_200 import (
    GetV1RetentionPatientsPatientFactsResponse200,
)
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    patient: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/retention/patients/{patient}/facts".format(
            patient=quote(str(patient), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> GetV1RetentionPatientsPatientFactsResponse200 | Problem:
    if response.status_code == 200:
        response_200 = GetV1RetentionPatientsPatientFactsResponse200.from_dict(
            response.json()
        )

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
) -> Response[GetV1RetentionPatientsPatientFactsResponse200 | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    patient: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[GetV1RetentionPatientsPatientFactsResponse200 | Problem]:
    """A patient's facts that move the retention clock (records-manager, admin)

    Args:
        patient (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetV1RetentionPatientsPatientFactsResponse200 | Problem]
    """

    kwargs = _get_kwargs(
        patient=patient,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    patient: str,
    *,
    client: AuthenticatedClient | Client,
) -> GetV1RetentionPatientsPatientFactsResponse200 | Problem | None:
    """A patient's facts that move the retention clock (records-manager, admin)

    Args:
        patient (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetV1RetentionPatientsPatientFactsResponse200 | Problem
    """

    return sync_detailed(
        patient=patient,
        client=client,
    ).parsed


async def asyncio_detailed(
    patient: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[GetV1RetentionPatientsPatientFactsResponse200 | Problem]:
    """A patient's facts that move the retention clock (records-manager, admin)

    Args:
        patient (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetV1RetentionPatientsPatientFactsResponse200 | Problem]
    """

    kwargs = _get_kwargs(
        patient=patient,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    patient: str,
    *,
    client: AuthenticatedClient | Client,
) -> GetV1RetentionPatientsPatientFactsResponse200 | Problem | None:
    """A patient's facts that move the retention clock (records-manager, admin)

    Args:
        patient (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetV1RetentionPatientsPatientFactsResponse200 | Problem
    """

    return (
        await asyncio_detailed(
            patient=patient,
            client=client,
        )
    ).parsed
