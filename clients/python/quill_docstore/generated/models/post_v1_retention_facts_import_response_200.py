from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.post_v1_retention_facts_import_response_200_errors_item import (
        PostV1RetentionFactsImportResponse200ErrorsItem,
    )


T = TypeVar("T", bound="PostV1RetentionFactsImportResponse200")


@_attrs_define
class PostV1RetentionFactsImportResponse200:
    """
    Attributes:
        lines (int):
        imported (int):
        failed (int):
        errors (list[PostV1RetentionFactsImportResponse200ErrorsItem]): the first 1000 failed lines
    """

    lines: int
    imported: int
    failed: int
    errors: list[PostV1RetentionFactsImportResponse200ErrorsItem]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        lines = self.lines

        imported = self.imported

        failed = self.failed

        errors = []
        for errors_item_data in self.errors:
            errors_item = errors_item_data.to_dict()
            errors.append(errors_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "lines": lines,
                "imported": imported,
                "failed": failed,
                "errors": errors,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.post_v1_retention_facts_import_response_200_errors_item import (
            PostV1RetentionFactsImportResponse200ErrorsItem,
        )

        d = dict(src_dict)
        lines = d.pop("lines")

        imported = d.pop("imported")

        failed = d.pop("failed")

        errors = []
        _errors = d.pop("errors")
        for errors_item_data in _errors:
            errors_item = PostV1RetentionFactsImportResponse200ErrorsItem.from_dict(
                errors_item_data
            )

            errors.append(errors_item)

        post_v1_retention_facts_import_response_200 = cls(
            lines=lines,
            imported=imported,
            failed=failed,
            errors=errors,
        )

        post_v1_retention_facts_import_response_200.additional_properties = d
        return post_v1_retention_facts_import_response_200

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
