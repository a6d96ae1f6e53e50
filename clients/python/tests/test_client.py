"""The client against the real service: a streamed upload with its SHA-256, the listing, a verified download through
the presigned URL, and refusals as typed errors carrying the problem's code."""

from __future__ import annotations

import hashlib
import io
import os

import pytest

from quill_docstore import Document, IntegrityError, Quill, QuillError
from quill_docstore.generated.api.documents import get_v1_documents
from quill_docstore.generated.models.get_v1_documents_response_200 import GetV1DocumentsResponse200

DISCHARGE = "373942005"


def pdf(note: str, pad: int = 0) -> bytes:
    return f"%PDF-1.4\n1 0 obj\n<< /Title ({note}) >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n".encode() + b"%" * pad


class OneWay(io.RawIOBase):
    """A file object that can only be read forward (a socket, a pipe): no seek, so no digest up front."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        chunk = self._data.read(len(b))
        b[: len(chunk)] = chunk
        return len(chunk)


def test_upload_streams_a_file_with_its_sha256_and_the_listing_shows_it(quill: Quill, patient: str) -> None:
    data = pdf("streamed", pad=3 * 1024 * 1024)  # several chunks
    doc = quill.upload(io.BytesIO(data), patient=patient, type=DISCHARGE, title="Discharge summary", content_type="application/pdf", date="2026-11-02")
    assert isinstance(doc, Document)
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert doc.size == len(data)
    assert doc.content_type == "application/pdf"
    one_way = quill.upload(OneWay(pdf("one way")), patient=patient, type=DISCHARGE, title="Clinic letter")
    assert one_way.sha256 == hashlib.sha256(pdf("one way")).hexdigest()

    page = quill.list(patient)
    assert isinstance(page, GetV1DocumentsResponse200)
    assert sorted(str(d.id) for d in page.items) == sorted([str(doc.id), str(one_way.id)])
    assert quill.get(doc.id).title == "Discharge summary"


def test_download_through_the_presigned_url_is_verified(quill: Quill, patient: str) -> None:
    data = pdf("download", pad=2 * 1024 * 1024 + 7)
    doc = quill.upload(io.BytesIO(data), patient=patient, type=DISCHARGE, title="Discharge summary")
    assert quill.download(doc.id) == data
    out = io.BytesIO()
    link = quill.download_to(doc.id, out)
    assert out.getvalue() == data and link.sha256 == doc.sha256 and link.version == 1


def test_download_refuses_bytes_that_do_not_match(quill: Quill, patient: str, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = quill.upload(io.BytesIO(pdf("tampered")), patient=patient, type=DISCHARGE, title="Discharge summary")
    # the service answers the recorded sha256; make the client expect other bytes, as if the store had served others
    from quill_docstore.generated.models import post_v1_documents_id_download_url_response_200 as model

    real = model.PostV1DocumentsIdDownloadUrlResponse200.from_dict.__func__  # type: ignore[attr-defined]

    def tampered(cls, src):  # type: ignore[no-untyped-def]
        answer = real(cls, src)
        answer.sha256 = hashlib.sha256(b"other bytes").hexdigest()
        return answer

    monkeypatch.setattr(model.PostV1DocumentsIdDownloadUrlResponse200, "from_dict", classmethod(tampered))
    with pytest.raises(IntegrityError):
        quill.download(doc.id)


def test_a_refusal_is_a_typed_error_with_the_problem_code(quill: Quill, patient: str) -> None:
    with pytest.raises(QuillError) as bad_patient:
        quill.upload(io.BytesIO(pdf("x")), patient="9434765918", type=DISCHARGE, title="x")
    assert bad_patient.value.status == 400 and bad_patient.value.code == "invalid_nhs_number"
    assert bad_patient.value.problem is not None and bad_patient.value.problem.code == "invalid_nhs_number"

    with pytest.raises(QuillError) as bad_type:
        quill.upload(io.BytesIO(b"MZ\x90\x00" + os.urandom(64)), patient=patient, type=DISCHARGE, title="x", content_type="application/pdf")
    assert bad_type.value.code in ("content_type_mismatch", "unsupported_media_type")

    with pytest.raises(QuillError) as not_found:
        quill.get("00000000-0000-4000-8000-000000000000")
    assert not_found.value.status == 404 and not_found.value.code == "not_found"

    with pytest.raises(QuillError) as bad_list:
        quill.list("123")
    assert bad_list.value.code == "invalid_nhs_number"


def test_the_generated_api_is_typed_and_the_refusal_model_parsed(quill: Quill) -> None:
    answer = get_v1_documents.sync_detailed(client=quill.api, patient="not a number")
    assert answer.status_code == 400
    assert answer.parsed is not None and answer.parsed.code == "invalid_nhs_number"  # type: ignore[union-attr]
