from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.get_v1_retention_disposals_response_200_items_item import (
        GetV1RetentionDisposalsResponse200ItemsItem,
    )


T = TypeVar("T", bound="GetV1RetentionDisposalsResponse200")


@_attrs_define
class GetV1RetentionDisposalsResponse200:
    """
    Attributes:
        items (list[GetV1RetentionDisposalsResponse200ItemsItem]):
    """

    items: list[GetV1RetentionDisposalsResponse200ItemsItem]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "items": items,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.get_v1_retention_disposals_response_200_items_item import (
            GetV1RetentionDisposalsResponse200ItemsItem,
        )

        d = dict(src_dict)
        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = GetV1RetentionDisposalsResponse200ItemsItem.from_dict(
                items_item_data
            )

            items.append(items_item)

        get_v1_retention_disposals_response_200 = cls(
            items=items,
        )

        get_v1_retention_disposals_response_200.additional_properties = d
        return get_v1_retention_disposals_response_200

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
