"""The service under test is found through QUILL_URL, with a bearer token in QUILL_TOKEN (run-tests.sh starts one and
sets both); without them the tests fail rather than pass unrun."""

from __future__ import annotations

import os
import random

import pytest

from quill_docstore import Quill


@pytest.fixture(scope="session")
def quill_url() -> str:
    url = os.environ.get("QUILL_URL")
    if not url:
        pytest.fail("QUILL_URL is not set: run clients/python/run-tests.sh, or point QUILL_URL and QUILL_TOKEN at a service")
    return url


@pytest.fixture(scope="session")
def quill(quill_url: str) -> Quill:
    token = os.environ.get("QUILL_TOKEN")
    if not token:
        pytest.fail("QUILL_TOKEN is not set (a clinician's token for the service at QUILL_URL)")
    return Quill(quill_url, token)


@pytest.fixture
def patient() -> str:
    """A fresh valid NHS number (modulus 11), so runs against one service never see each other's documents."""
    while True:
        digits = [random.randint(1, 9)] + [random.randint(0, 9) for _ in range(8)]
        check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        if check == 10:
            continue
        return "".join(map(str, digits)) + str(0 if check == 11 else check)
