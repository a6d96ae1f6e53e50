from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="PostV1RetentionDisposalsIdRejectBody")


@_attrs_define
class PostV1RetentionDisposalsIdRejectBody:
    """
    Attributes:
        note (str):
    """

    note: str

    def to_dict(self) -> dict[str, Any]:
        note = self.note

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "note": note,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        note = d.pop("note")

        post_v1_retention_disposals_id_reject_body = cls(
            note=note,
        )

        return post_v1_retention_disposals_id_reject_body
