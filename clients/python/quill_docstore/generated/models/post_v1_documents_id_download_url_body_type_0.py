from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="PostV1DocumentsIdDownloadUrlBodyType0")


@_attrs_define
class PostV1DocumentsIdDownloadUrlBodyType0:
    """
    Attributes:
        expires_in (int | Unset):
        version (int | Unset):
    """

    expires_in: int | Unset = UNSET
    version: int | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        expires_in = self.expires_in

        version = self.version

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if expires_in is not UNSET:
            field_dict["expiresIn"] = expires_in
        if version is not UNSET:
            field_dict["version"] = version

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        expires_in = d.pop("expiresIn", UNSET)

        version = d.pop("version", UNSET)

        post_v1_documents_id_download_url_body_type_0 = cls(
            expires_in=expires_in,
            version=version,
        )

        return post_v1_documents_id_download_url_body_type_0
