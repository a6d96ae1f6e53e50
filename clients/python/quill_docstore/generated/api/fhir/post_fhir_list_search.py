from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.post_fhir_list_search_body_type_0 import PostFhirListSearchBodyType0
from ...models.post_fhir_list_search_response_200 import PostFhirListSearchResponse200
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: None | PostFhirListSearchBodyType0,
    patient_identifier: list[str] | str | Unset = UNSET,
    code: list[str] | str | Unset = UNSET,
    status: list[str] | str | Unset = UNSET,
    identifier: list[str] | str | Unset = UNSET,
    date: list[str] | str | Unset = UNSET,
    field_count: list[str] | str | Unset = UNSET,
    field_offset: list[str] | str | Unset = UNSET,
    field_format_: list[str] | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    params: dict[str, Any] = {}

    json_patient_identifier: list[str] | str | Unset
    if isinstance(patient_identifier, Unset):
        json_patient_identifier = UNSET
    elif isinstance(patient_identifier, list):
        json_patient_identifier = patient_identifier

    else:
        json_patient_identifier = patient_identifier
    params["patient.identifier"] = json_patient_identifier

    json_code: list[str] | str | Unset
    if isinstance(code, Unset):
        json_code = UNSET
    elif isinstance(code, list):
        json_code = code

    else:
        json_code = code
    params["code"] = json_code

    json_status: list[str] | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, list):
        json_status = status

    else:
        json_status = status
    params["status"] = json_status

    json_identifier: list[str] | str | Unset
    if isinstance(identifier, Unset):
        json_identifier = UNSET
    elif isinstance(identifier, list):
        json_identifier = identifier

    else:
        json_identifier = identifier
    params["identifier"] = json_identifier

    json_date: list[str] | str | Unset
    if isinstance(date, Unset):
        json_date = UNSET
    elif isinstance(date, list):
        json_date = date

    else:
        json_date = date
    params["date"] = json_date

    json_field_count: list[str] | str | Unset
    if isinstance(field_count, Unset):
        json_field_count = UNSET
    elif isinstance(field_count, list):
        json_field_count = field_count

    else:
        json_field_count = field_count
    params["_count"] = json_field_count

    json_field_offset: list[str] | str | Unset
    if isinstance(field_offset, Unset):
        json_field_offset = UNSET
    elif isinstance(field_offset, list):
        json_field_offset = field_offset

    else:
        json_field_offset = field_offset
    params["_offset"] = json_field_offset

    json_field_format_: list[str] | str | Unset
    if isinstance(field_format_, Unset):
        json_field_format_ = UNSET
    elif isinstance(field_format_, list):
        json_field_format_ = field_format_

    else:
        json_field_format_ = field_format_
    params["_format"] = json_field_format_

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/fhir/List/_search",
        "params": params,
    }

    if isinstance(body, PostFhirListSearchBodyType0):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = body

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PostFhirListSearchResponse200 | Problem:
    if response.status_code == 200:
        response_200 = PostFhirListSearchResponse200.from_dict(response.json())

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

    response_default = Problem.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[PostFhirListSearchResponse200 | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: None | PostFhirListSearchBodyType0,
    patient_identifier: list[str] | str | Unset = UNSET,
    code: list[str] | str | Unset = UNSET,
    status: list[str] | str | Unset = UNSET,
    identifier: list[str] | str | Unset = UNSET,
    date: list[str] | str | Unset = UNSET,
    field_count: list[str] | str | Unset = UNSET,
    field_offset: list[str] | str | Unset = UNSET,
    field_format_: list[str] | str | Unset = UNSET,
) -> Response[PostFhirListSearchResponse200 | Problem]:
    """ITI-66 Find Document Lists (POST form)

    Args:
        patient_identifier (list[str] | str | Unset):
        code (list[str] | str | Unset):
        status (list[str] | str | Unset):
        identifier (list[str] | str | Unset):
        date (list[str] | str | Unset):
        field_count (list[str] | str | Unset):
        field_offset (list[str] | str | Unset):
        field_format_ (list[str] | str | Unset):
        body (None | PostFhirListSearchBodyType0):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PostFhirListSearchResponse200 | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        patient_identifier=patient_identifier,
        code=code,
        status=status,
        identifier=identifier,
        date=date,
        field_count=field_count,
        field_offset=field_offset,
        field_format_=field_format_,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: None | PostFhirListSearchBodyType0,
    patient_identifier: list[str] | str | Unset = UNSET,
    code: list[str] | str | Unset = UNSET,
    status: list[str] | str | Unset = UNSET,
    identifier: list[str] | str | Unset = UNSET,
    date: list[str] | str | Unset = UNSET,
    field_count: list[str] | str | Unset = UNSET,
    field_offset: list[str] | str | Unset = UNSET,
    field_format_: list[str] | str | Unset = UNSET,
) -> PostFhirListSearchResponse200 | Problem | None:
    """ITI-66 Find Document Lists (POST form)

    Args:
        patient_identifier (list[str] | str | Unset):
        code (list[str] | str | Unset):
        status (list[str] | str | Unset):
        identifier (list[str] | str | Unset):
        date (list[str] | str | Unset):
        field_count (list[str] | str | Unset):
        field_offset (list[str] | str | Unset):
        field_format_ (list[str] | str | Unset):
        body (None | PostFhirListSearchBodyType0):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PostFhirListSearchResponse200 | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
        patient_identifier=patient_identifier,
        code=code,
        status=status,
        identifier=identifier,
        date=date,
        field_count=field_count,
        field_offset=field_offset,
        field_format_=field_format_,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: None | PostFhirListSearchBodyType0,
    patient_identifier: list[str] | str | Unset = UNSET,
    code: list[str] | str | Unset = UNSET,
    status: list[str] | str | Unset = UNSET,
    identifier: list[str] | str | Unset = UNSET,
    date: list[str] | str | Unset = UNSET,
    field_count: list[str] | str | Unset = UNSET,
    field_offset: list[str] | str | Unset = UNSET,
    field_format_: list[str] | str | Unset = UNSET,
) -> Response[PostFhirListSearchResponse200 | Problem]:
    """ITI-66 Find Document Lists (POST form)

    Args:
        patient_identifier (list[str] | str | Unset):
        code (list[str] | str | Unset):
        status (list[str] | str | Unset):
        identifier (list[str] | str | Unset):
        date (list[str] | str | Unset):
        field_count (list[str] | str | Unset):
        field_offset (list[str] | str | Unset):
        field_format_ (list[str] | str | Unset):
        body (None | PostFhirListSearchBodyType0):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PostFhirListSearchResponse200 | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        patient_identifier=patient_identifier,
        code=code,
        status=status,
        identifier=identifier,
        date=date,
        field_count=field_count,
        field_offset=field_offset,
        field_format_=field_format_,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: None | PostFhirListSearchBodyType0,
    patient_identifier: list[str] | str | Unset = UNSET,
    code: list[str] | str | Unset = UNSET,
    status: list[str] | str | Unset = UNSET,
    identifier: list[str] | str | Unset = UNSET,
    date: list[str] | str | Unset = UNSET,
    field_count: list[str] | str | Unset = UNSET,
    field_offset: list[str] | str | Unset = UNSET,
    field_format_: list[str] | str | Unset = UNSET,
) -> PostFhirListSearchResponse200 | Problem | None:
    """ITI-66 Find Document Lists (POST form)

    Args:
        patient_identifier (list[str] | str | Unset):
        code (list[str] | str | Unset):
        status (list[str] | str | Unset):
        identifier (list[str] | str | Unset):
        date (list[str] | str | Unset):
        field_count (list[str] | str | Unset):
        field_offset (list[str] | str | Unset):
        field_format_ (list[str] | str | Unset):
        body (None | PostFhirListSearchBodyType0):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PostFhirListSearchResponse200 | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            patient_identifier=patient_identifier,
            code=code,
            status=status,
            identifier=identifier,
            date=date,
            field_count=field_count,
            field_offset=field_offset,
            field_format_=field_format_,
        )
    ).parsed
