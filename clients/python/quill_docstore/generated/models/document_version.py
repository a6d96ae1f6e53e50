from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.document_version_scan_status import DocumentVersionScanStatus

T = TypeVar("T", bound="DocumentVersion")


@_attrs_define
class DocumentVersion:
    """
    Attributes:
        version (int):
        content_type (str):
        size (int):
        sha256 (str):
        filename (None | str):
        created_at (datetime.datetime):
        created_by (str):
        scan_status (DocumentVersionScanStatus): malware scan: clean; pending (stored while the scanner was down: served
            to nobody until scanned); infected (found by a rescan: quarantined); not-scanned (scanning off, or stored before
            it)
        scanner (None | str): the malware scanner as it named itself (e.g. ClamAV 1.4.6)
        signature_version (None | str): the scanner's signature database version and date, where it reports one
        scanned_at (datetime.datetime | None):
        malware (None | str): the malware a rescan found (infected only)
    """

    version: int
    content_type: str
    size: int
    sha256: str
    filename: None | str
    created_at: datetime.datetime
    created_by: str
    scan_status: DocumentVersionScanStatus
    scanner: None | str
    signature_version: None | str
    scanned_at: datetime.datetime | None
    malware: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        version = self.version

        content_type = self.content_type

        size = self.size

        sha256 = self.sha256

        filename: None | str
        filename = self.filename

        created_at = self.created_at.isoformat()

        created_by = self.created_by

        scan_status = self.scan_status.value

        scanner: None | str
        scanner = self.scanner

        signature_version: None | str
        signature_version = self.signature_version

        scanned_at: None | str
        if isinstance(self.scanned_at, datetime.datetime):
            scanned_at = self.scanned_at.isoformat()
        else:
            scanned_at = self.scanned_at

        malware: None | str
        malware = self.malware

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "version": version,
                "contentType": content_type,
                "size": size,
                "sha256": sha256,
                "filename": filename,
                "createdAt": created_at,
                "createdBy": created_by,
                "scanStatus": scan_status,
                "scanner": scanner,
                "signatureVersion": signature_version,
                "scannedAt": scanned_at,
                "malware": malware,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        version = d.pop("version")

        content_type = d.pop("contentType")

        size = d.pop("size")

        sha256 = d.pop("sha256")

        def _parse_filename(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        filename = _parse_filename(d.pop("filename"))

        created_at = datetime.datetime.fromisoformat(d.pop("createdAt"))

        created_by = d.pop("createdBy")

        scan_status = DocumentVersionScanStatus(d.pop("scanStatus"))

        def _parse_scanner(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        scanner = _parse_scanner(d.pop("scanner"))

        def _parse_signature_version(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        signature_version = _parse_signature_version(d.pop("signatureVersion"))

        def _parse_scanned_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                scanned_at_type_0 = datetime.datetime.fromisoformat(data)

                return scanned_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        scanned_at = _parse_scanned_at(d.pop("scannedAt"))

        def _parse_malware(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        malware = _parse_malware(d.pop("malware"))

        document_version = cls(
            version=version,
            content_type=content_type,
            size=size,
            sha256=sha256,
            filename=filename,
            created_at=created_at,
            created_by=created_by,
            scan_status=scan_status,
            scanner=scanner,
            signature_version=signature_version,
            scanned_at=scanned_at,
            malware=malware,
        )

        document_version.additional_properties = d
        return document_version

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
