from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.post_v1_retention_holds_body import PostV1RetentionHoldsBody
from ...models.post_v1_retention_holds_response_201 import (
    PostV1RetentionHoldsResponse201,
)
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    *,
    body: PostV1RetentionHoldsBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/retention/holds",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PostV1RetentionHoldsResponse201 | Problem:
    if response.status_code == 201:
        response_201 = PostV1RetentionHoldsResponse201.from_dict(response.json())

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

    response_default = Problem.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[PostV1RetentionHoldsResponse201 | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: PostV1RetentionHoldsBody,
) -> Response[PostV1RetentionHoldsResponse201 | Problem]:
    """Places a legal hold on one document, every document of a patient, or a document type over a date
    range (records-manager, admin)

    Args:
        body (PostV1RetentionHoldsBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PostV1RetentionHoldsResponse201 | Problem]
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
    body: PostV1RetentionHoldsBody,
) -> PostV1RetentionHoldsResponse201 | Problem | None:
    """Places a legal hold on one document, every document of a patient, or a document type over a date
    range (records-manager, admin)

    Args:
        body (PostV1RetentionHoldsBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PostV1RetentionHoldsResponse201 | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: PostV1RetentionHoldsBody,
) -> Response[PostV1RetentionHoldsResponse201 | Problem]:
    """Places a legal hold on one document, every document of a patient, or a document type over a date
    range (records-manager, admin)

    Args:
        body (PostV1RetentionHoldsBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PostV1RetentionHoldsResponse201 | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: PostV1RetentionHoldsBody,
) -> PostV1RetentionHoldsResponse201 | Problem | None:
    """Places a legal hold on one document, every document of a patient, or a document type over a date
    range (records-manager, admin)

    Args:
        body (PostV1RetentionHoldsBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PostV1RetentionHoldsResponse201 | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
