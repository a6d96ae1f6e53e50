from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.get_readyz_response_503_layers_item_status import (
    GetReadyzResponse503LayersItemStatus,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="GetReadyzResponse503LayersItem")


@_attrs_define
class GetReadyzResponse503LayersItem:
    """
    Attributes:
        layer (str):
        status (GetReadyzResponse503LayersItemStatus):
        required (bool):
        detail (Any | Unset): admin only: what was checked, or why the layer is down
    """

    layer: str
    status: GetReadyzResponse503LayersItemStatus
    required: bool
    detail: Any | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        layer = self.layer

        status = self.status.value

        required = self.required

        detail = self.detail

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "layer": layer,
                "status": status,
                "required": required,
            }
        )
        if detail is not UNSET:
            field_dict["detail"] = detail

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        layer = d.pop("layer")

        status = GetReadyzResponse503LayersItemStatus(d.pop("status"))

        required = d.pop("required")

        detail = d.pop("detail", UNSET)

        get_readyz_response_503_layers_item = cls(
            layer=layer,
            status=status,
            required=required,
            detail=detail,
        )

        get_readyz_response_503_layers_item.additional_properties = d
        return get_readyz_response_503_layers_item

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
