from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="GetV1RetentionCertificatesResponse200ItemsItemType")


@_attrs_define
class GetV1RetentionCertificatesResponse200ItemsItemType:
    """
    Attributes:
        system (str):
        code (str):
        display (str):
    """

    system: str
    code: str
    display: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        system = self.system

        code = self.code

        display = self.display

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "system": system,
                "code": code,
                "display": display,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        system = d.pop("system")

        code = d.pop("code")

        display = d.pop("display")

        get_v1_retention_certificates_response_200_items_item_type = cls(
            system=system,
            code=code,
            display=display,
        )

        get_v1_retention_certificates_response_200_items_item_type.additional_properties = d
        return get_v1_retention_certificates_response_200_items_item_type

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
