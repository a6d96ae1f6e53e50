from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.post_fhir_body import PostFhirBody
from ...models.post_fhir_response_200 import PostFhirResponse200
from ...models.post_fhir_response_400 import PostFhirResponse400
from ...models.post_fhir_response_403 import PostFhirResponse403
from ...models.post_fhir_response_409 import PostFhirResponse409
from ...models.post_fhir_response_413 import PostFhirResponse413
from ...models.post_fhir_response_415 import PostFhirResponse415
from ...models.post_fhir_response_422 import PostFhirResponse422
from ...models.post_fhir_response_500 import PostFhirResponse500
from ...models.post_fhir_response_503 import PostFhirResponse503
from ...models.post_fhir_response_507 import PostFhirResponse507
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    *,
    body: PostFhirBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/fhir",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/fhir+json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> (
    PostFhirResponse200
    | PostFhirResponse400
    | PostFhirResponse403
    | PostFhirResponse409
    | PostFhirResponse413
    | PostFhirResponse415
    | PostFhirResponse422
    | PostFhirResponse500
    | PostFhirResponse503
    | PostFhirResponse507
    | Problem
):
    if response.status_code == 200:
        response_200 = PostFhirResponse200.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = PostFhirResponse400.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = PostFhirResponse403.from_dict(response.json())

        return response_403

    if response.status_code == 409:
        response_409 = PostFhirResponse409.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = PostFhirResponse413.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = PostFhirResponse415.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = PostFhirResponse422.from_dict(response.json())

        return response_422

    if response.status_code == 500:
        response_500 = PostFhirResponse500.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = PostFhirResponse503.from_dict(response.json())

        return response_503

    if response.status_code == 507:
        response_507 = PostFhirResponse507.from_dict(response.json())

        return response_507

    response_default = Problem.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[
    PostFhirResponse200
    | PostFhirResponse400
    | PostFhirResponse403
    | PostFhirResponse409
    | PostFhirResponse413
    | PostFhirResponse415
    | PostFhirResponse422
    | PostFhirResponse500
    | PostFhirResponse503
    | PostFhirResponse507
    | Problem
]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: PostFhirBody,
) -> Response[
    PostFhirResponse200
    | PostFhirResponse400
    | PostFhirResponse403
    | PostFhirResponse409
    | PostFhirResponse413
    | PostFhirResponse415
    | PostFhirResponse422
    | PostFhirResponse500
    | PostFhirResponse503
    | PostFhirResponse507
    | Problem
]:
    """ITI-65 Provide Document Bundle (a FHIR transaction Bundle)

     A FHIR R4 transaction Bundle (application/fhir+json) with one IHE MHD SubmissionSet List, its
    DocumentReferences and their bytes (Binary entries referenced from attachment.url by urn:uuid, or
    inline attachment.data); Comprehensive or Minimal Metadata. All or nothing: the answer is a
    transaction-response Bundle (each entry 201 with its location and etag), or an OperationOutcome
    naming each refused entry and its problem (stable code in issue.details.coding).

    Args:
        body (PostFhirBody): FHIR R4 transaction Bundle: one MHD SubmissionSet List,
            DocumentReferences, Binaries (base64 data) referenced by urn:uuid from attachment.url, or
            inline attachment.data

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PostFhirResponse200 | PostFhirResponse400 | PostFhirResponse403 | PostFhirResponse409 | PostFhirResponse413 | PostFhirResponse415 | PostFhirResponse422 | PostFhirResponse500 | PostFhirResponse503 | PostFhirResponse507 | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: PostFhirBody,
) -> (
    PostFhirResponse200
    | PostFhirResponse400
    | PostFhirResponse403
    | PostFhirResponse409
    | PostFhirResponse413
    | PostFhirResponse415
    | PostFhirResponse422
    | PostFhirResponse500
    | PostFhirResponse503
    | PostFhirResponse507
    | Problem
    | None
):
    """ITI-65 Provide Document Bundle (a FHIR transaction Bundle)

     A FHIR R4 transaction Bundle (application/fhir+json) with one IHE MHD SubmissionSet List, its
    DocumentReferences and their bytes (Binary entries referenced from attachment.url by urn:uuid, or
    inline attachment.data); Comprehensive or Minimal Metadata. All or nothing: the answer is a
    transaction-response Bundle (each entry 201 with its location and etag), or an OperationOutcome
    naming each refused entry and its problem (stable code in issue.details.coding).

    Args:
        body (PostFhirBody): FHIR R4 transaction Bundle: one MHD SubmissionSet List,
            DocumentReferences, Binaries (base64 data) referenced by urn:uuid from attachment.url, or
            inline attachment.data

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PostFhirResponse200 | PostFhirResponse400 | PostFhirResponse403 | PostFhirResponse409 | PostFhirResponse413 | PostFhirResponse415 | PostFhirResponse422 | PostFhirResponse500 | PostFhirResponse503 | PostFhirResponse507 | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: PostFhirBody,
) -> Response[
    PostFhirResponse200
    | PostFhirResponse400
    | PostFhirResponse403
    | PostFhirResponse409
    | PostFhirResponse413
    | PostFhirResponse415
    | PostFhirResponse422
    | PostFhirResponse500
    | PostFhirResponse503
    | PostFhirResponse507
    | Problem
]:
    """ITI-65 Provide Document Bundle (a FHIR transaction Bundle)

     A FHIR R4 transaction Bundle (application/fhir+json) with one IHE MHD SubmissionSet List, its
    DocumentReferences and their bytes (Binary entries referenced from attachment.url by urn:uuid, or
    inline attachment.data); Comprehensive or Minimal Metadata. All or nothing: the answer is a
    transaction-response Bundle (each entry 201 with its location and etag), or an OperationOutcome
    naming each refused entry and its problem (stable code in issue.details.coding).

    Args:
        body (PostFhirBody): FHIR R4 transaction Bundle: one MHD SubmissionSet List,
            DocumentReferences, Binaries (base64 data) referenced by urn:uuid from attachment.url, or
            inline attachment.data

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PostFhirResponse200 | PostFhirResponse400 | PostFhirResponse403 | PostFhirResponse409 | PostFhirResponse413 | PostFhirResponse415 | PostFhirResponse422 | PostFhirResponse500 | PostFhirResponse503 | PostFhirResponse507 | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: PostFhirBody,
) -> (
    PostFhirResponse200
    | PostFhirResponse400
    | PostFhirResponse403
    | PostFhirResponse409
    | PostFhirResponse413
    | PostFhirResponse415
    | PostFhirResponse422
    | PostFhirResponse500
    | PostFhirResponse503
    | PostFhirResponse507
    | Problem
    | None
):
    """ITI-65 Provide Document Bundle (a FHIR transaction Bundle)

     A FHIR R4 transaction Bundle (application/fhir+json) with one IHE MHD SubmissionSet List, its
    DocumentReferences and their bytes (Binary entries referenced from attachment.url by urn:uuid, or
    inline attachment.data); Comprehensive or Minimal Metadata. All or nothing: the answer is a
    transaction-response Bundle (each entry 201 with its location and etag), or an OperationOutcome
    naming each refused entry and its problem (stable code in issue.details.coding).

    Args:
        body (PostFhirBody): FHIR R4 transaction Bundle: one MHD SubmissionSet List,
            DocumentReferences, Binaries (base64 data) referenced by urn:uuid from attachment.url, or
            inline attachment.data

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PostFhirResponse200 | PostFhirResponse400 | PostFhirResponse403 | PostFhirResponse409 | PostFhirResponse413 | PostFhirResponse415 | PostFhirResponse422 | PostFhirResponse500 | PostFhirResponse503 | PostFhirResponse507 | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
