import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.document import Document
from ...models.post_v1_documents_files_body import PostV1DocumentsFilesBody
from ...models.problem import Problem
from ...types import UNSET, File, Response, Unset


def _get_kwargs(
    *,
    body: PostV1DocumentsFilesBody | File | Unset = UNSET,
    patient: str | Unset = UNSET,
    type_: str | Unset = UNSET,
    title: str | Unset = UNSET,
    description: str | Unset = UNSET,
    category: str | Unset = UNSET,
    date: datetime.date | Unset = UNSET,
    author: str | Unset = UNSET,
    retention_class: str | Unset = UNSET,
    filename: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    params: dict[str, Any] = {}

    params["patient"] = patient

    params["type"] = type_

    params["title"] = title

    params["description"] = description

    params["category"] = category

    json_date: str | Unset = UNSET
    if not isinstance(date, Unset):
        json_date = date.isoformat()
    params["date"] = json_date

    params["author"] = author

    params["retentionClass"] = retention_class

    params["filename"] = filename

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/documents",
        "params": params,
    }

    if isinstance(body, PostV1DocumentsFilesBody):
        if not isinstance(body, Unset):
            _kwargs["files"] = body.to_multipart()

        headers["Content-Type"] = "multipart/form-data; boundary=+++"
    if isinstance(body, File):
        if not isinstance(body, Unset):
            _kwargs["content"] = body.payload
        headers["Content-Type"] = "application/pdf"
    if isinstance(body, File):
        if not isinstance(body, Unset):
            _kwargs["content"] = body.payload
        headers["Content-Type"] = "image/jpeg"
    if isinstance(body, File):
        if not isinstance(body, Unset):
            _kwargs["content"] = body.payload
        headers["Content-Type"] = "image/png"
    if isinstance(body, File):
        if not isinstance(body, Unset):
            _kwargs["content"] = body.payload
        headers["Content-Type"] = "image/tiff"
    if isinstance(body, File):
        if not isinstance(body, Unset):
            _kwargs["content"] = body.payload
        headers["Content-Type"] = "text/plain"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Document | Problem:
    if response.status_code == 201:
        response_201 = Document.from_dict(response.json())

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

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if response.status_code == 507:
        response_507 = Problem.from_dict(response.json())

        return response_507

    response_default = Problem.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Document | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: PostV1DocumentsFilesBody | File | Unset = UNSET,
    patient: str | Unset = UNSET,
    type_: str | Unset = UNSET,
    title: str | Unset = UNSET,
    description: str | Unset = UNSET,
    category: str | Unset = UNSET,
    date: datetime.date | Unset = UNSET,
    author: str | Unset = UNSET,
    retention_class: str | Unset = UNSET,
    filename: str | Unset = UNSET,
) -> Response[Document | Problem]:
    """Upload a new document

     multipart/form-data (fields patient, type, title, description, category, date, author, optional
    sha256, then a `file` part), or a raw body whose Content-Type is the document type with the metadata
    in the query string and an optional RFC 9530 Repr-Digest/Content-Digest sha-256.

    Args:
        patient (str | Unset):  Example: 9434765919.
        type_ (str | Unset):  Example: 373942005.
        title (str | Unset):
        description (str | Unset):
        category (str | Unset):
        date (datetime.date | Unset):
        author (str | Unset):
        retention_class (str | Unset):
        filename (str | Unset):
        body (PostV1DocumentsFilesBody | Unset):
        body (File | Unset):
        body (File | Unset):
        body (File | Unset):
        body (File | Unset):
        body (File | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Document | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        patient=patient,
        type_=type_,
        title=title,
        description=description,
        category=category,
        date=date,
        author=author,
        retention_class=retention_class,
        filename=filename,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: PostV1DocumentsFilesBody | File | Unset = UNSET,
    patient: str | Unset = UNSET,
    type_: str | Unset = UNSET,
    title: str | Unset = UNSET,
    description: str | Unset = UNSET,
    category: str | Unset = UNSET,
    date: datetime.date | Unset = UNSET,
    author: str | Unset = UNSET,
    retention_class: str | Unset = UNSET,
    filename: str | Unset = UNSET,
) -> Document | Problem | None:
    """Upload a new document

     multipart/form-data (fields patient, type, title, description, category, date, author, optional
    sha256, then a `file` part), or a raw body whose Content-Type is the document type with the metadata
    in the query string and an optional RFC 9530 Repr-Digest/Content-Digest sha-256.

    Args:
        patient (str | Unset):  Example: 9434765919.
        type_ (str | Unset):  Example: 373942005.
        title (str | Unset):
        description (str | Unset):
        category (str | Unset):
        date (datetime.date | Unset):
        author (str | Unset):
        retention_class (str | Unset):
        filename (str | Unset):
        body (PostV1DocumentsFilesBody | Unset):
        body (File | Unset):
        body (File | Unset):
        body (File | Unset):
        body (File | Unset):
        body (File | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Document | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
        patient=patient,
        type_=type_,
        title=title,
        description=description,
        category=category,
        date=date,
        author=author,
        retention_class=retention_class,
        filename=filename,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: PostV1DocumentsFilesBody | File | Unset = UNSET,
    patient: str | Unset = UNSET,
    type_: str | Unset = UNSET,
    title: str | Unset = UNSET,
    description: str | Unset = UNSET,
    category: str | Unset = UNSET,
    date: datetime.date | Unset = UNSET,
    author: str | Unset = UNSET,
    retention_class: str | Unset = UNSET,
    filename: str | Unset = UNSET,
) -> Response[Document | Problem]:
    """Upload a new document

     multipart/form-data (fields patient, type, title, description, category, date, author, optional
    sha256, then a `file` part), or a raw body whose Content-Type is the document type with the metadata
    in the query string and an optional RFC 9530 Repr-Digest/Content-Digest sha-256.

    Args:
        patient (str | Unset):  Example: 9434765919.
        type_ (str | Unset):  Example: 373942005.
        title (str | Unset):
        description (str | Unset):
        category (str | Unset):
        date (datetime.date | Unset):
        author (str | Unset):
        retention_class (str | Unset):
        filename (str | Unset):
        body (PostV1DocumentsFilesBody | Unset):
        body (File | Unset):
        body (File | Unset):
        body (File | Unset):
        body (File | Unset):
        body (File | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Document | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        patient=patient,
        type_=type_,
        title=title,
        description=description,
        category=category,
        date=date,
        author=author,
        retention_class=retention_class,
        filename=filename,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: PostV1DocumentsFilesBody | File | Unset = UNSET,
    patient: str | Unset = UNSET,
    type_: str | Unset = UNSET,
    title: str | Unset = UNSET,
    description: str | Unset = UNSET,
    category: str | Unset = UNSET,
    date: datetime.date | Unset = UNSET,
    author: str | Unset = UNSET,
    retention_class: str | Unset = UNSET,
    filename: str | Unset = UNSET,
) -> Document | Problem | None:
    """Upload a new document

     multipart/form-data (fields patient, type, title, description, category, date, author, optional
    sha256, then a `file` part), or a raw body whose Content-Type is the document type with the metadata
    in the query string and an optional RFC 9530 Repr-Digest/Content-Digest sha-256.

    Args:
        patient (str | Unset):  Example: 9434765919.
        type_ (str | Unset):  Example: 373942005.
        title (str | Unset):
        description (str | Unset):
        category (str | Unset):
        date (datetime.date | Unset):
        author (str | Unset):
        retention_class (str | Unset):
        filename (str | Unset):
        body (PostV1DocumentsFilesBody | Unset):
        body (File | Unset):
        body (File | Unset):
        body (File | Unset):
        body (File | Unset):
        body (File | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Document | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            patient=patient,
            type_=type_,
            title=title,
            description=description,
            category=category,
            date=date,
            author=author,
            retention_class=retention_class,
            filename=filename,
        )
    ).parsed
