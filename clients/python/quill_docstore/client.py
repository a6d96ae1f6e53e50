"""Quill: the generated API (quill_docstore.generated, from the service's OpenAPI document) plus what generation
cannot do: an upload that streams a file object with its SHA-256, and a download through the presigned URL that
checks the SHA-256 before handing the bytes over. Every refusal is a QuillError carrying the problem's code."""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, TypeVar
from uuid import UUID

import httpx

from .errors import IntegrityError, QuillError
from .generated.api.documents import get_v1_documents, get_v1_documents_id, post_v1_documents_id_download_url
from .generated.client import Client
from .generated.models.document import Document
from .generated.models.get_v1_documents_response_200 import GetV1DocumentsResponse200
from .generated.models.post_v1_documents_id_download_url_body_type_0 import PostV1DocumentsIdDownloadUrlBodyType0
from .generated.models.post_v1_documents_id_download_url_response_200 import PostV1DocumentsIdDownloadUrlResponse200
from .generated.models.problem import Problem
from .generated.types import UNSET, Response

CHUNK = 1024 * 1024
T = TypeVar("T")


class _Bearer(httpx.Auth):
    """The token on every request, asked for each time (a callable may refresh it)."""

    def __init__(self, token: str | Callable[[], str]) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:
        token = self._token() if callable(self._token) else self._token
        request.headers["Authorization"] = f"Bearer {token}"
        yield request


class Quill:
    """A client of one Quill Document Store.

    `token` is a bearer token, or a function returning the current one. `api` is the generated client, for any
    operation of the OpenAPI document (`quill_docstore.generated.api.*` functions take it as `client=`).
    """

    def __init__(self, base_url: str, token: str | Callable[[], str], *, timeout: float = 300.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout = httpx.Timeout(timeout)
        self.api = Client(base_url=self.base_url, timeout=httpx.Timeout(timeout), httpx_args={"auth": _Bearer(token)})

    # ---- generated operations, their refusals raised ----

    def get(self, document_id: str | UUID, *, version: int | None = None) -> Document:
        """A document's metadata with every version."""
        return _ok(get_v1_documents_id.sync_detailed(UUID(str(document_id)), client=self.api, version=UNSET if version is None else version), Document)

    def list(self, patient: str, **filters: Any) -> GetV1DocumentsResponse200:
        """A page of a patient's documents, newest first (filters: type_, from_, to, limit, cursor, ...)."""
        return _ok(get_v1_documents.sync_detailed(client=self.api, patient=patient, **filters), GetV1DocumentsResponse200)

    # ---- hand-written: what generation cannot do ----

    def upload(
        self,
        file: BinaryIO,
        *,
        patient: str,
        type: str,
        title: str,
        content_type: str | None = None,
        **fields: str,
    ) -> Document:
        """Uploads a file object as a new document, streamed (never read into memory) with its SHA-256.

        A seekable file is hashed first and sent with `Repr-Digest`, so the service itself refuses bytes that
        changed on the way (digest_mismatch). The bytes sent are hashed as they go too, and the answer's sha256 must
        match them. `fields`: description, category, date (YYYY-MM-DD), author, filename, retentionClass.
        """
        headers = {"Content-Type": content_type or "application/octet-stream"}
        if file.seekable():
            start = file.tell()
            digest = hashlib.sha256()
            for chunk in iter(lambda: file.read(CHUNK), b""):
                digest.update(chunk)
            file.seek(start)
            headers["Repr-Digest"] = f"sha-256=:{base64.b64encode(digest.digest()).decode()}:"
        sent = hashlib.sha256()

        def body() -> Iterator[bytes]:
            for chunk in iter(lambda: file.read(CHUNK), b""):
                sent.update(chunk)
                yield chunk

        params = {"patient": patient, "type": type, "title": title, **fields}
        answer = self.api.get_httpx_client().post("/v1/documents", params=params, content=body(), headers=headers)
        if answer.status_code != 201:
            raise QuillError.from_answer(answer.status_code, answer.content, answer.headers.get("content-type"))
        document = Document.from_dict(answer.json())
        if document.sha256 != sent.hexdigest():
            raise IntegrityError(sent.hexdigest(), document.sha256, f"the service recorded document {document.id} with other bytes than were sent")
        return document

    def download_to(self, document_id: str | UUID, out: BinaryIO, *, version: int | None = None) -> PostV1DocumentsIdDownloadUrlResponse200:
        """Streams a document's bytes into `out` through a fresh presigned URL, checking their SHA-256 and size.

        Raises IntegrityError when they do not match what the service recorded: what was written to `out` must then
        be thrown away. Returns the download URL's answer (sha256, size, content type, version).
        """
        body = PostV1DocumentsIdDownloadUrlBodyType0(version=UNSET if version is None else version)
        link = _ok(post_v1_documents_id_download_url.sync_detailed(UUID(str(document_id)), client=self.api, body=body), PostV1DocumentsIdDownloadUrlResponse200)
        digest = hashlib.sha256()
        size = 0
        # the presigned URL carries its own authorisation: no bearer token goes to the store
        with httpx.stream("GET", link.url, timeout=self._timeout, follow_redirects=False) as answer:
            if answer.status_code != 200:
                answer.read()
                raise QuillError.from_answer(answer.status_code, answer.content, answer.headers.get("content-type"))
            for chunk in answer.iter_bytes(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        if digest.hexdigest() != link.sha256 or size != link.size:
            raise IntegrityError(link.sha256, digest.hexdigest(), f"document {document_id} version {link.version} ({size} of {link.size} bytes)")
        return link

    def download(self, document_id: str | UUID, *, version: int | None = None) -> bytes:
        """A document's bytes, returned only once their SHA-256 matches what the service recorded (else IntegrityError)."""
        buf = io.BytesIO()
        self.download_to(document_id, buf, version=version)
        return buf.getvalue()


def _ok(response: Response[Any], want: type[T]) -> T:
    """The parsed answer of a generated call, or its refusal raised as a QuillError."""
    parsed = response.parsed
    if isinstance(parsed, want):
        return parsed
    status = int(response.status_code)
    if isinstance(parsed, Problem):
        raise QuillError(status, parsed, parsed.detail if isinstance(parsed.detail, str) else parsed.title)
    raise QuillError.from_answer(status, response.content, response.headers.get("content-type"))
