from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="PostV1RetentionDisposalsIdApproveResponse200FailedItem")


@_attrs_define
class PostV1RetentionDisposalsIdApproveResponse200FailedItem:
    """
    Attributes:
        document_id (UUID):
        error (str):
    """

    document_id: UUID
    error: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        document_id = str(self.document_id)

        error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "documentId": document_id,
                "error": error,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        document_id = UUID(d.pop("documentId"))

        error = d.pop("error")

        post_v1_retention_disposals_id_approve_response_200_failed_item = cls(
            document_id=document_id,
            error=error,
        )

        post_v1_retention_disposals_id_approve_response_200_failed_item.additional_properties = d
        return post_v1_retention_disposals_id_approve_response_200_failed_item

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
