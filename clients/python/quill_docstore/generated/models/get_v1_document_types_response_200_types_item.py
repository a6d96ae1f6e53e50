from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="GetV1DocumentTypesResponse200TypesItem")


@_attrs_define
class GetV1DocumentTypesResponse200TypesItem:
    """
    Attributes:
        system (str):
        code (str):
        display (str):
        default_category (str): the category a document of this type gets when the uploader names none
        retention_class (str | Unset): the type's retention class (GET /v1/retention/schedule)
    """

    system: str
    code: str
    display: str
    default_category: str
    retention_class: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        system = self.system

        code = self.code

        display = self.display

        default_category = self.default_category

        retention_class = self.retention_class

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "system": system,
                "code": code,
                "display": display,
                "defaultCategory": default_category,
            }
        )
        if retention_class is not UNSET:
            field_dict["retentionClass"] = retention_class

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        system = d.pop("system")

        code = d.pop("code")

        display = d.pop("display")

        default_category = d.pop("defaultCategory")

        retention_class = d.pop("retentionClass", UNSET)

        get_v1_document_types_response_200_types_item = cls(
            system=system,
            code=code,
            display=display,
            default_category=default_category,
            retention_class=retention_class,
        )

        get_v1_document_types_response_200_types_item.additional_properties = d
        return get_v1_document_types_response_200_types_item

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
