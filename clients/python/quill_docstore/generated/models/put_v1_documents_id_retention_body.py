from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="PutV1DocumentsIdRetentionBody")


@_attrs_define
class PutV1DocumentsIdRetentionBody:
    """
    Attributes:
        retention_class (str):
        reason (str):
    """

    retention_class: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        retention_class = self.retention_class

        reason = self.reason

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "retentionClass": retention_class,
                "reason": reason,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        retention_class = d.pop("retentionClass")

        reason = d.pop("reason")

        put_v1_documents_id_retention_body = cls(
            retention_class=retention_class,
            reason=reason,
        )

        return put_v1_documents_id_retention_body
