from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.get_v1_retention_due_response_200_items_item_type import (
        GetV1RetentionDueResponse200ItemsItemType,
    )


T = TypeVar("T", bound="GetV1RetentionDueResponse200ItemsItem")


@_attrs_define
class GetV1RetentionDueResponse200ItemsItem:
    """
    Attributes:
        id (UUID):
        patient (str):
        type_ (GetV1RetentionDueResponse200ItemsItemType):
        title (str):
        retention_class (str):
        retain_until (datetime.date):
        created_at (datetime.datetime):
    """

    id: UUID
    patient: str
    type_: GetV1RetentionDueResponse200ItemsItemType
    title: str
    retention_class: str
    retain_until: datetime.date
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        patient = self.patient

        type_ = self.type_.to_dict()

        title = self.title

        retention_class = self.retention_class

        retain_until = self.retain_until.isoformat()

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "patient": patient,
                "type": type_,
                "title": title,
                "retentionClass": retention_class,
                "retainUntil": retain_until,
                "createdAt": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.get_v1_retention_due_response_200_items_item_type import (
            GetV1RetentionDueResponse200ItemsItemType,
        )

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        patient = d.pop("patient")

        type_ = GetV1RetentionDueResponse200ItemsItemType.from_dict(d.pop("type"))

        title = d.pop("title")

        retention_class = d.pop("retentionClass")

        retain_until = datetime.date.fromisoformat(d.pop("retainUntil"))

        created_at = datetime.datetime.fromisoformat(d.pop("createdAt"))

        get_v1_retention_due_response_200_items_item = cls(
            id=id,
            patient=patient,
            type_=type_,
            title=title,
            retention_class=retention_class,
            retain_until=retain_until,
            created_at=created_at,
        )

        get_v1_retention_due_response_200_items_item.additional_properties = d
        return get_v1_retention_due_response_200_items_item

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
