from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="PostV1RetentionFactsImportResponse200ErrorsItem")


@_attrs_define
class PostV1RetentionFactsImportResponse200ErrorsItem:
    """
    Attributes:
        line (int):
        code (str):
        detail (str):
    """

    line: int
    code: str
    detail: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        line = self.line

        code = self.code

        detail = self.detail

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "line": line,
                "code": code,
                "detail": detail,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        line = d.pop("line")

        code = d.pop("code")

        detail = d.pop("detail")

        post_v1_retention_facts_import_response_200_errors_item = cls(
            line=line,
            code=code,
            detail=detail,
        )

        post_v1_retention_facts_import_response_200_errors_item.additional_properties = d
        return post_v1_retention_facts_import_response_200_errors_item

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
