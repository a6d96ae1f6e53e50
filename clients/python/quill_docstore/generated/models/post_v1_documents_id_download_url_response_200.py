from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="PostV1DocumentsIdDownloadUrlResponse200")


@_attrs_define
class PostV1DocumentsIdDownloadUrlResponse200:
    """
    Attributes:
        url (str):
        expires_at (datetime.datetime):
        sha256 (str):
        size (int):
        content_type (str):
        version (int):
    """

    url: str
    expires_at: datetime.datetime
    sha256: str
    size: int
    content_type: str
    version: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        expires_at = self.expires_at.isoformat()

        sha256 = self.sha256

        size = self.size

        content_type = self.content_type

        version = self.version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "url": url,
                "expiresAt": expires_at,
                "sha256": sha256,
                "size": size,
                "contentType": content_type,
                "version": version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        url = d.pop("url")

        expires_at = datetime.datetime.fromisoformat(d.pop("expiresAt"))

        sha256 = d.pop("sha256")

        size = d.pop("size")

        content_type = d.pop("contentType")

        version = d.pop("version")

        post_v1_documents_id_download_url_response_200 = cls(
            url=url,
            expires_at=expires_at,
            sha256=sha256,
            size=size,
            content_type=content_type,
            version=version,
        )

        post_v1_documents_id_download_url_response_200.additional_properties = d
        return post_v1_documents_id_download_url_response_200

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
