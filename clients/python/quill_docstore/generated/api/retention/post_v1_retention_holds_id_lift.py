from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ...client import AuthenticatedClient, Client
from ...models.post_v1_retention_holds_id_lift_body import (
    PostV1RetentionHoldsIdLiftBody,
)
from ...models.post_v1_retention_holds_id_lift_response_200 import (
    PostV1RetentionHoldsIdLiftResponse200,
)
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    id: UUID,
    *,
    body: PostV1RetentionHoldsIdLiftBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/retention/holds/{id}/lift".format(
            id=quote(str(id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PostV1RetentionHoldsIdLiftResponse200 | Problem:
    if response.status_code == 200:
        response_200 = PostV1RetentionHoldsIdLiftResponse200.from_dict(response.json())

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
) -> Response[PostV1RetentionHoldsIdLiftResponse200 | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: PostV1RetentionHoldsIdLiftBody,
) -> Response[PostV1RetentionHoldsIdLiftResponse200 | Problem]:
    """Lifts a legal hold, recording who and why; the hold stays listed (records-manager, admin)

    Args:
        id (UUID):
        body (PostV1RetentionHoldsIdLiftBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PostV1RetentionHoldsIdLiftResponse200 | Problem]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: PostV1RetentionHoldsIdLiftBody,
) -> PostV1RetentionHoldsIdLiftResponse200 | Problem | None:
    """Lifts a legal hold, recording who and why; the hold stays listed (records-manager, admin)

    Args:
        id (UUID):
        body (PostV1RetentionHoldsIdLiftBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PostV1RetentionHoldsIdLiftResponse200 | Problem
    """

    return sync_detailed(
        id=id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: PostV1RetentionHoldsIdLiftBody,
) -> Response[PostV1RetentionHoldsIdLiftResponse200 | Problem]:
    """Lifts a legal hold, recording who and why; the hold stays listed (records-manager, admin)

    Args:
        id (UUID):
        body (PostV1RetentionHoldsIdLiftBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PostV1RetentionHoldsIdLiftResponse200 | Problem]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: PostV1RetentionHoldsIdLiftBody,
) -> PostV1RetentionHoldsIdLiftResponse200 | Problem | None:
    """Lifts a legal hold, recording who and why; the hold stays listed (records-manager, admin)

    Args:
        id (UUID):
        body (PostV1RetentionHoldsIdLiftBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PostV1RetentionHoldsIdLiftResponse200 | Problem
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            body=body,
        )
    ).parsed
