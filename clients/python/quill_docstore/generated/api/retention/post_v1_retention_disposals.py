from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.post_v1_retention_disposals_body import PostV1RetentionDisposalsBody
from ...models.post_v1_retention_disposals_response_201 import (
    PostV1RetentionDisposalsResponse201,
)
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    *,
    body: PostV1RetentionDisposalsBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/retention/disposals",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PostV1RetentionDisposalsResponse201 | Problem:
    if response.status_code == 201:
        response_201 = PostV1RetentionDisposalsResponse201.from_dict(response.json())

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

    response_default = Problem.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[PostV1RetentionDisposalsResponse201 | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: PostV1RetentionDisposalsBody,
) -> Response[PostV1RetentionDisposalsResponse201 | Problem]:
    """Proposes documents for disposal (records-manager, admin); each must be past retainUntil and not on
    hold, or the whole proposal is refused (409)

    Args:
        body (PostV1RetentionDisposalsBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PostV1RetentionDisposalsResponse201 | Problem]
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
    body: PostV1RetentionDisposalsBody,
) -> PostV1RetentionDisposalsResponse201 | Problem | None:
    """Proposes documents for disposal (records-manager, admin); each must be past retainUntil and not on
    hold, or the whole proposal is refused (409)

    Args:
        body (PostV1RetentionDisposalsBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PostV1RetentionDisposalsResponse201 | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: PostV1RetentionDisposalsBody,
) -> Response[PostV1RetentionDisposalsResponse201 | Problem]:
    """Proposes documents for disposal (records-manager, admin); each must be past retainUntil and not on
    hold, or the whole proposal is refused (409)

    Args:
        body (PostV1RetentionDisposalsBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PostV1RetentionDisposalsResponse201 | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: PostV1RetentionDisposalsBody,
) -> PostV1RetentionDisposalsResponse201 | Problem | None:
    """Proposes documents for disposal (records-manager, admin); each must be past retainUntil and not on
    hold, or the whole proposal is refused (409)

    Args:
        body (PostV1RetentionDisposalsBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PostV1RetentionDisposalsResponse201 | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
