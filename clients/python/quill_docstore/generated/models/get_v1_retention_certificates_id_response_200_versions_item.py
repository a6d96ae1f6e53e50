from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="GetV1RetentionCertificatesIdResponse200VersionsItem")


@_attrs_define
class GetV1RetentionCertificatesIdResponse200VersionsItem:
    """
    Attributes:
        version (int):
        sha256 (str):
        size (int):
        content_type (str):
        created_at (datetime.datetime):
        created_by (str):
        store (str):
    """

    version: int
    sha256: str
    size: int
    content_type: str
    created_at: datetime.datetime
    created_by: str
    store: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        version = self.version

        sha256 = self.sha256

        size = self.size

        content_type = self.content_type

        created_at = self.created_at.isoformat()

        created_by = self.created_by

        store = self.store

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "version": version,
                "sha256": sha256,
                "size": size,
                "contentType": content_type,
                "createdAt": created_at,
                "createdBy": created_by,
                "store": store,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        version = d.pop("version")

        sha256 = d.pop("sha256")

        size = d.pop("size")

        content_type = d.pop("contentType")

        created_at = datetime.datetime.fromisoformat(d.pop("createdAt"))

        created_by = d.pop("createdBy")

        store = d.pop("store")

        get_v1_retention_certificates_id_response_200_versions_item = cls(
            version=version,
            sha256=sha256,
            size=size,
            content_type=content_type,
            created_at=created_at,
            created_by=created_by,
            store=store,
        )

        get_v1_retention_certificates_id_response_200_versions_item.additional_properties = d
        return get_v1_retention_certificates_id_response_200_versions_item

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
