"""The errors the client raises: the service's refusals, typed, and bytes that fail their SHA-256."""

from __future__ import annotations

from typing import Any

import httpx

from .generated.models.problem import Problem


class QuillError(Exception):
    """The service refused a request: its RFC 9457 problem, with the stable `code` (invalid_nhs_number,
    patient_forbidden, digest_mismatch, ...), the HTTP status and the problem document as the generated Problem model."""

    def __init__(self, status: int, problem: Problem | None, detail: str) -> None:
        self.status = status
        self.problem = problem
        self.code: str = problem.code if problem else "http_error"
        self.detail = detail
        super().__init__(f"{status} {self.code}: {detail}")

    @classmethod
    def from_answer(cls, status: int, content: bytes, content_type: str | None) -> QuillError:
        problem: Problem | None = None
        if content_type and ("json" in content_type):
            try:
                body: Any = httpx.Response(status, content=content).json()
                problem = Problem.from_dict(body) if isinstance(body, dict) and "code" in body else None
            except ValueError:
                problem = None
        detail = (problem.detail if problem and isinstance(problem.detail, str) else None) or content[:500].decode(errors="replace")
        return cls(status, problem, detail)


class IntegrityError(Exception):
    """The bytes do not have the SHA-256 the service recorded for them (or sent for them): not to be used."""

    def __init__(self, expected: str, actual: str, what: str) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(f"{what}: SHA-256 {actual} where {expected} was expected")
