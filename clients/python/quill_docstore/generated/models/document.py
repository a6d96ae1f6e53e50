from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.document_scan_status import DocumentScanStatus
from ..models.document_status import DocumentStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.document_category_type_0 import DocumentCategoryType0
    from ..models.document_fhir import DocumentFhir
    from ..models.document_type import DocumentType
    from ..models.document_version import DocumentVersion


T = TypeVar("T", bound="Document")


@_attrs_define
class Document:
    """
    Attributes:
        id (UUID):
        version (int):
        current_version (int):
        patient (str):
        type_ (DocumentType):
        category (DocumentCategoryType0 | None):
        title (str):
        description (None | str):
        date (datetime.date | None):
        author (None | str):
        status (DocumentStatus):
        entered_in_error_reason (None | str):
        content_type (str):
        size (int):
        sha256 (str): hex SHA-256 of the bytes
        filename (None | str):
        scan_status (DocumentScanStatus): malware scan: clean; pending (stored while the scanner was down: served to
            nobody until scanned); infected (found by a rescan: quarantined); not-scanned (scanning off, or stored before
            it); of the version shown (the current one unless ?version= names another)
        created_at (datetime.datetime):
        created_by (str):
        updated_at (datetime.datetime):
        fhir (DocumentFhir):
        retention_class (str): retention class (GET /v1/retention/schedule)
        retain_until (datetime.date | None): the last day the document must be kept; null while a fact the schedule
            needs is missing
        retention_missing (list[str]): patient facts whose absence keeps retention longer or open-ended
        legal_hold (bool): a legal hold covers the document: it cannot be destroyed
        versions (list[DocumentVersion] | Unset):
    """

    id: UUID
    version: int
    current_version: int
    patient: str
    type_: DocumentType
    category: DocumentCategoryType0 | None
    title: str
    description: None | str
    date: datetime.date | None
    author: None | str
    status: DocumentStatus
    entered_in_error_reason: None | str
    content_type: str
    size: int
    sha256: str
    filename: None | str
    scan_status: DocumentScanStatus
    created_at: datetime.datetime
    created_by: str
    updated_at: datetime.datetime
    fhir: DocumentFhir
    retention_class: str
    retain_until: datetime.date | None
    retention_missing: list[str]
    legal_hold: bool
    versions: list[DocumentVersion] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.document_category_type_0 import DocumentCategoryType0

        id = str(self.id)

        version = self.version

        current_version = self.current_version

        patient = self.patient

        type_ = self.type_.to_dict()

        category: dict[str, Any] | None
        if isinstance(self.category, DocumentCategoryType0):
            category = self.category.to_dict()
        else:
            category = self.category

        title = self.title

        description: None | str
        description = self.description

        date: None | str
        if isinstance(self.date, datetime.date):
            date = self.date.isoformat()
        else:
            date = self.date

        author: None | str
        author = self.author

        status = self.status.value

        entered_in_error_reason: None | str
        entered_in_error_reason = self.entered_in_error_reason

        content_type = self.content_type

        size = self.size

        sha256 = self.sha256

        filename: None | str
        filename = self.filename

        scan_status = self.scan_status.value

        created_at = self.created_at.isoformat()

        created_by = self.created_by

        updated_at = self.updated_at.isoformat()

        fhir = self.fhir.to_dict()

        retention_class = self.retention_class

        retain_until: None | str
        if isinstance(self.retain_until, datetime.date):
            retain_until = self.retain_until.isoformat()
        else:
            retain_until = self.retain_until

        retention_missing = self.retention_missing

        legal_hold = self.legal_hold

        versions: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.versions, Unset):
            versions = []
            for versions_item_data in self.versions:
                versions_item = versions_item_data.to_dict()
                versions.append(versions_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "version": version,
                "currentVersion": current_version,
                "patient": patient,
                "type": type_,
                "category": category,
                "title": title,
                "description": description,
                "date": date,
                "author": author,
                "status": status,
                "enteredInErrorReason": entered_in_error_reason,
                "contentType": content_type,
                "size": size,
                "sha256": sha256,
                "filename": filename,
                "scanStatus": scan_status,
                "createdAt": created_at,
                "createdBy": created_by,
                "updatedAt": updated_at,
                "fhir": fhir,
                "retentionClass": retention_class,
                "retainUntil": retain_until,
                "retentionMissing": retention_missing,
                "legalHold": legal_hold,
            }
        )
        if versions is not UNSET:
            field_dict["versions"] = versions

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.document_category_type_0 import DocumentCategoryType0
        from ..models.document_fhir import DocumentFhir
        from ..models.document_type import DocumentType
        from ..models.document_version import DocumentVersion

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        version = d.pop("version")

        current_version = d.pop("currentVersion")

        patient = d.pop("patient")

        type_ = DocumentType.from_dict(d.pop("type"))

        def _parse_category(data: object) -> DocumentCategoryType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                category_type_0 = DocumentCategoryType0.from_dict(data)

                return category_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DocumentCategoryType0 | None, data)

        category = _parse_category(d.pop("category"))

        title = d.pop("title")

        def _parse_description(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        description = _parse_description(d.pop("description"))

        def _parse_date(data: object) -> datetime.date | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                date_type_0 = datetime.date.fromisoformat(data)

                return date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None, data)

        date = _parse_date(d.pop("date"))

        def _parse_author(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        author = _parse_author(d.pop("author"))

        status = DocumentStatus(d.pop("status"))

        def _parse_entered_in_error_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        entered_in_error_reason = _parse_entered_in_error_reason(
            d.pop("enteredInErrorReason")
        )

        content_type = d.pop("contentType")

        size = d.pop("size")

        sha256 = d.pop("sha256")

        def _parse_filename(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        filename = _parse_filename(d.pop("filename"))

        scan_status = DocumentScanStatus(d.pop("scanStatus"))

        created_at = datetime.datetime.fromisoformat(d.pop("createdAt"))

        created_by = d.pop("createdBy")

        updated_at = datetime.datetime.fromisoformat(d.pop("updatedAt"))

        fhir = DocumentFhir.from_dict(d.pop("fhir"))

        retention_class = d.pop("retentionClass")

        def _parse_retain_until(data: object) -> datetime.date | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                retain_until_type_0 = datetime.date.fromisoformat(data)

                return retain_until_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None, data)

        retain_until = _parse_retain_until(d.pop("retainUntil"))

        retention_missing = cast(list[str], d.pop("retentionMissing"))

        legal_hold = d.pop("legalHold")

        _versions = d.pop("versions", UNSET)
        versions: list[DocumentVersion] | Unset = UNSET
        if _versions is not UNSET:
            versions = []
            for versions_item_data in _versions:
                versions_item = DocumentVersion.from_dict(versions_item_data)

                versions.append(versions_item)

        document = cls(
            id=id,
            version=version,
            current_version=current_version,
            patient=patient,
            type_=type_,
            category=category,
            title=title,
            description=description,
            date=date,
            author=author,
            status=status,
            entered_in_error_reason=entered_in_error_reason,
            content_type=content_type,
            size=size,
            sha256=sha256,
            filename=filename,
            scan_status=scan_status,
            created_at=created_at,
            created_by=created_by,
            updated_at=updated_at,
            fhir=fhir,
            retention_class=retention_class,
            retain_until=retain_until,
            retention_missing=retention_missing,
            legal_hold=legal_hold,
            versions=versions,
        )

        document.additional_properties = d
        return document

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
