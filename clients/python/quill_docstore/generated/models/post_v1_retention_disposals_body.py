from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

T = TypeVar("T", bound="PostV1RetentionDisposalsBody")


@_attrs_define
class PostV1RetentionDisposalsBody:
    """
    Attributes:
        documents (list[UUID]):
        reason (str):
    """

    documents: list[UUID]
    reason: str

    def to_dict(self) -> dict[str, Any]:
        documents = []
        for documents_item_data in self.documents:
            documents_item = str(documents_item_data)
            documents.append(documents_item)

        reason = self.reason

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "documents": documents,
                "reason": reason,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        documents = []
        _documents = d.pop("documents")
        for documents_item_data in _documents:
            documents_item = UUID(documents_item_data)

            documents.append(documents_item)

        reason = d.pop("reason")

        post_v1_retention_disposals_body = cls(
            documents=documents,
            reason=reason,
        )

        return post_v1_retention_disposals_body
