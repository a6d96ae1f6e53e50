from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.get_v1_retention_schedule_response_200_classes_item import (
        GetV1RetentionScheduleResponse200ClassesItem,
    )


T = TypeVar("T", bound="GetV1RetentionScheduleResponse200")


@_attrs_define
class GetV1RetentionScheduleResponse200:
    """
    Attributes:
        source (str):
        classes (list[GetV1RetentionScheduleResponse200ClassesItem]):
        source_url (str | Unset):
        note (str | Unset):
    """

    source: str
    classes: list[GetV1RetentionScheduleResponse200ClassesItem]
    source_url: str | Unset = UNSET
    note: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        source = self.source

        classes = []
        for classes_item_data in self.classes:
            classes_item = classes_item_data.to_dict()
            classes.append(classes_item)

        source_url = self.source_url

        note = self.note

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "source": source,
                "classes": classes,
            }
        )
        if source_url is not UNSET:
            field_dict["sourceUrl"] = source_url
        if note is not UNSET:
            field_dict["note"] = note

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.get_v1_retention_schedule_response_200_classes_item import (
            GetV1RetentionScheduleResponse200ClassesItem,
        )

        d = dict(src_dict)
        source = d.pop("source")

        classes = []
        _classes = d.pop("classes")
        for classes_item_data in _classes:
            classes_item = GetV1RetentionScheduleResponse200ClassesItem.from_dict(
                classes_item_data
            )

            classes.append(classes_item)

        source_url = d.pop("sourceUrl", UNSET)

        note = d.pop("note", UNSET)

        get_v1_retention_schedule_response_200 = cls(
            source=source,
            classes=classes,
            source_url=source_url,
            note=note,
        )

        get_v1_retention_schedule_response_200.additional_properties = d
        return get_v1_retention_schedule_response_200

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
