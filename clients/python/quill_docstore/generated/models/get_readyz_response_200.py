from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.get_readyz_response_200_status import GetReadyzResponse200Status

if TYPE_CHECKING:
    from ..models.get_readyz_response_200_layers_item import (
        GetReadyzResponse200LayersItem,
    )


T = TypeVar("T", bound="GetReadyzResponse200")


@_attrs_define
class GetReadyzResponse200:
    """
    Attributes:
        status (GetReadyzResponse200Status):
        layers (list[GetReadyzResponse200LayersItem]):
    """

    status: GetReadyzResponse200Status
    layers: list[GetReadyzResponse200LayersItem]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status.value

        layers = []
        for layers_item_data in self.layers:
            layers_item = layers_item_data.to_dict()
            layers.append(layers_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "layers": layers,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.get_readyz_response_200_layers_item import (
            GetReadyzResponse200LayersItem,
        )

        d = dict(src_dict)
        status = GetReadyzResponse200Status(d.pop("status"))

        layers = []
        _layers = d.pop("layers")
        for layers_item_data in _layers:
            layers_item = GetReadyzResponse200LayersItem.from_dict(layers_item_data)

            layers.append(layers_item)

        get_readyz_response_200 = cls(
            status=status,
            layers=layers,
        )

        get_readyz_response_200.additional_properties = d
        return get_readyz_response_200

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
