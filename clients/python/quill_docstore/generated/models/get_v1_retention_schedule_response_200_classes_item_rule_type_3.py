from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.get_v1_retention_schedule_response_200_classes_item_rule_type_3_kind import (
    GetV1RetentionScheduleResponse200ClassesItemRuleType3Kind,
)

T = TypeVar("T", bound="GetV1RetentionScheduleResponse200ClassesItemRuleType3")


@_attrs_define
class GetV1RetentionScheduleResponse200ClassesItemRuleType3:
    """
    Attributes:
        kind (GetV1RetentionScheduleResponse200ClassesItemRuleType3Kind):
        years (int):
    """

    kind: GetV1RetentionScheduleResponse200ClassesItemRuleType3Kind
    years: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        kind = self.kind.value

        years = self.years

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "kind": kind,
                "years": years,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        kind = GetV1RetentionScheduleResponse200ClassesItemRuleType3Kind(d.pop("kind"))

        years = d.pop("years")

        get_v1_retention_schedule_response_200_classes_item_rule_type_3 = cls(
            kind=kind,
            years=years,
        )

        get_v1_retention_schedule_response_200_classes_item_rule_type_3.additional_properties = d
        return get_v1_retention_schedule_response_200_classes_item_rule_type_3

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
