from http import HTTPStatus
from typing import Any, cast

import httpx

from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...types import Response


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/uploads",
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | Problem:
    if response.status_code == 201:
        response_201 = cast(Any, None)
        return response_201

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

    if response.status_code == 412:
        response_412 = Problem.from_dict(response.json())

        return response_412

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    response_default = Problem.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Any | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[Any | Problem]:
    """Start a resumable upload (tus creation)

     Headers: Tus-Resumable: 1.0.0, Upload-Length (bytes, at most QUILL_MAX_UPLOAD_BYTES), Upload-
    Metadata with base64 values for patient, type, category, title, description, date, author, sha256,
    filename, filetype, document (the multipart form's fields; `document` adds a version to that
    document instead of creating one). Answers 201 with Location. Send the bytes with PATCH (Content-
    Type application/offset+octet-stream, Upload-Offset), each carrying at least Quill-Min-Patch-Size
    bytes unless it ends the upload; the PATCH that delivers the last byte commits the document and
    answers with Quill-Document-Id and Quill-Document-Version. A user may have QUILL_MAX_OPEN_UPLOADS
    uploads open at once (429 too_many_open_uploads beyond that).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem]
    """

    kwargs = _get_kwargs()

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
) -> Any | Problem | None:
    """Start a resumable upload (tus creation)

     Headers: Tus-Resumable: 1.0.0, Upload-Length (bytes, at most QUILL_MAX_UPLOAD_BYTES), Upload-
    Metadata with base64 values for patient, type, category, title, description, date, author, sha256,
    filename, filetype, document (the multipart form's fields; `document` adds a version to that
    document instead of creating one). Answers 201 with Location. Send the bytes with PATCH (Content-
    Type application/offset+octet-stream, Upload-Offset), each carrying at least Quill-Min-Patch-Size
    bytes unless it ends the upload; the PATCH that delivers the last byte commits the document and
    answers with Quill-Document-Id and Quill-Document-Version. A user may have QUILL_MAX_OPEN_UPLOADS
    uploads open at once (429 too_many_open_uploads beyond that).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[Any | Problem]:
    """Start a resumable upload (tus creation)

     Headers: Tus-Resumable: 1.0.0, Upload-Length (bytes, at most QUILL_MAX_UPLOAD_BYTES), Upload-
    Metadata with base64 values for patient, type, category, title, description, date, author, sha256,
    filename, filetype, document (the multipart form's fields; `document` adds a version to that
    document instead of creating one). Answers 201 with Location. Send the bytes with PATCH (Content-
    Type application/offset+octet-stream, Upload-Offset), each carrying at least Quill-Min-Patch-Size
    bytes unless it ends the upload; the PATCH that delivers the last byte commits the document and
    answers with Quill-Document-Id and Quill-Document-Version. A user may have QUILL_MAX_OPEN_UPLOADS
    uploads open at once (429 too_many_open_uploads beyond that).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem]
    """

    kwargs = _get_kwargs()

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
) -> Any | Problem | None:
    """Start a resumable upload (tus creation)

     Headers: Tus-Resumable: 1.0.0, Upload-Length (bytes, at most QUILL_MAX_UPLOAD_BYTES), Upload-
    Metadata with base64 values for patient, type, category, title, description, date, author, sha256,
    filename, filetype, document (the multipart form's fields; `document` adds a version to that
    document instead of creating one). Answers 201 with Location. Send the bytes with PATCH (Content-
    Type application/offset+octet-stream, Upload-Offset), each carrying at least Quill-Min-Patch-Size
    bytes unless it ends the upload; the PATCH that delivers the last byte commits the document and
    answers with Quill-Document-Id and Quill-Document-Version. A user may have QUILL_MAX_OPEN_UPLOADS
    uploads open at once (429 too_many_open_uploads beyond that).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed
