from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.put_v1_retention_patients_patient_facts_body import (
    PutV1RetentionPatientsPatientFactsBody,
)
from ...models.put_v1_retention_patients_patient_facts_response_200 import (
    PutV1RetentionPatientsPatientFactsResponse200,
)
from ...types import Response


def _get_kwargs(
    patient: str,
    *,
    body: PutV1RetentionPatientsPatientFactsBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/retention/patients/{patient}/facts".format(
            patient=quote(str(patient), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | PutV1RetentionPatientsPatientFactsResponse200:
    if response.status_code == 200:
        response_200 = PutV1RetentionPatientsPatientFactsResponse200.from_dict(
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
) -> Response[Problem | PutV1RetentionPatientsPatientFactsResponse200]:
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
    body: PutV1RetentionPatientsPatientFactsBody,
) -> Response[Problem | PutV1RetentionPatientsPatientFactsResponse200]:
    """Sets facts (date of birth, death, last contact, birth of the last child; null clears one); every
    document of the patient is recomputed in the same transaction (records-manager, admin)

    Args:
        patient (str):
        body (PutV1RetentionPatientsPatientFactsBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | PutV1RetentionPatientsPatientFactsResponse200]
    """

    kwargs = _get_kwargs(
        patient=patient,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    patient: str,
    *,
    client: AuthenticatedClient | Client,
    body: PutV1RetentionPatientsPatientFactsBody,
) -> Problem | PutV1RetentionPatientsPatientFactsResponse200 | None:
    """Sets facts (date of birth, death, last contact, birth of the last child; null clears one); every
    document of the patient is recomputed in the same transaction (records-manager, admin)

    Args:
        patient (str):
        body (PutV1RetentionPatientsPatientFactsBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | PutV1RetentionPatientsPatientFactsResponse200
    """

    return sync_detailed(
        patient=patient,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    patient: str,
    *,
    client: AuthenticatedClient | Client,
    body: PutV1RetentionPatientsPatientFactsBody,
) -> Response[Problem | PutV1RetentionPatientsPatientFactsResponse200]:
    """Sets facts (date of birth, death, last contact, birth of the last child; null clears one); every
    document of the patient is recomputed in the same transaction (records-manager, admin)

    Args:
        patient (str):
        body (PutV1RetentionPatientsPatientFactsBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | PutV1RetentionPatientsPatientFactsResponse200]
    """

    kwargs = _get_kwargs(
        patient=patient,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    patient: str,
    *,
    client: AuthenticatedClient | Client,
    body: PutV1RetentionPatientsPatientFactsBody,
) -> Problem | PutV1RetentionPatientsPatientFactsResponse200 | None:
    """Sets facts (date of birth, death, last contact, birth of the last child; null clears one); every
    document of the patient is recomputed in the same transaction (records-manager, admin)

    Args:
        patient (str):
        body (PutV1RetentionPatientsPatientFactsBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | PutV1RetentionPatientsPatientFactsResponse200
    """

    return (
        await asyncio_detailed(
            patient=patient,
            client=client,
            body=body,
        )
    ).parsed
