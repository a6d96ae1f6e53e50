from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.get_v1_retention_schedule_response_200_classes_item_rule_type_1_kind import (
    GetV1RetentionScheduleResponse200ClassesItemRuleType1Kind,
)

T = TypeVar("T", bound="GetV1RetentionScheduleResponse200ClassesItemRuleType1")


@_attrs_define
class GetV1RetentionScheduleResponse200ClassesItemRuleType1:
    """
    Attributes:
        kind (GetV1RetentionScheduleResponse200ClassesItemRuleType1Kind):
        until_age (int):
        until_age_if_17 (int):
        adult_years (int):
        after_death_years (int):
    """

    kind: GetV1RetentionScheduleResponse200ClassesItemRuleType1Kind
    until_age: int
    until_age_if_17: int
    adult_years: int
    after_death_years: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        kind = self.kind.value

        until_age = self.until_age

        until_age_if_17 = self.until_age_if_17

        adult_years = self.adult_years

        after_death_years = self.after_death_years

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "kind": kind,
                "untilAge": until_age,
                "untilAgeIf17": until_age_if_17,
                "adultYears": adult_years,
                "afterDeathYears": after_death_years,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        kind = GetV1RetentionScheduleResponse200ClassesItemRuleType1Kind(d.pop("kind"))

        until_age = d.pop("untilAge")

        until_age_if_17 = d.pop("untilAgeIf17")

        adult_years = d.pop("adultYears")

        after_death_years = d.pop("afterDeathYears")

        get_v1_retention_schedule_response_200_classes_item_rule_type_1 = cls(
            kind=kind,
            until_age=until_age,
            until_age_if_17=until_age_if_17,
            adult_years=adult_years,
            after_death_years=after_death_years,
        )

        get_v1_retention_schedule_response_200_classes_item_rule_type_1.additional_properties = d
        return get_v1_retention_schedule_response_200_classes_item_rule_type_1

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
