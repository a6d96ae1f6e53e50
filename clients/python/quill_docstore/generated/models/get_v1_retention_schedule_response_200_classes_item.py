from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.get_v1_retention_schedule_response_200_classes_item_rule_type_0 import (
        GetV1RetentionScheduleResponse200ClassesItemRuleType0,
    )
    from ..models.get_v1_retention_schedule_response_200_classes_item_rule_type_1 import (
        GetV1RetentionScheduleResponse200ClassesItemRuleType1,
    )
    from ..models.get_v1_retention_schedule_response_200_classes_item_rule_type_2 import (
        GetV1RetentionScheduleResponse200ClassesItemRuleType2,
    )
    from ..models.get_v1_retention_schedule_response_200_classes_item_rule_type_3 import (
        GetV1RetentionScheduleResponse200ClassesItemRuleType3,
    )
    from ..models.get_v1_retention_schedule_response_200_classes_item_rule_type_4 import (
        GetV1RetentionScheduleResponse200ClassesItemRuleType4,
    )


T = TypeVar("T", bound="GetV1RetentionScheduleResponse200ClassesItem")


@_attrs_define
class GetV1RetentionScheduleResponse200ClassesItem:
    """
    Attributes:
        code (str):
        display (str):
        citation (str): where in the Code of Practice the period comes from
        rule (GetV1RetentionScheduleResponse200ClassesItemRuleType0 |
            GetV1RetentionScheduleResponse200ClassesItemRuleType1 | GetV1RetentionScheduleResponse200ClassesItemRuleType2 |
            GetV1RetentionScheduleResponse200ClassesItemRuleType3 | GetV1RetentionScheduleResponse200ClassesItemRuleType4):
        roles (list[str]): roles that may choose this class for a document at upload
    """

    code: str
    display: str
    citation: str
    rule: (
        GetV1RetentionScheduleResponse200ClassesItemRuleType0
        | GetV1RetentionScheduleResponse200ClassesItemRuleType1
        | GetV1RetentionScheduleResponse200ClassesItemRuleType2
        | GetV1RetentionScheduleResponse200ClassesItemRuleType3
        | GetV1RetentionScheduleResponse200ClassesItemRuleType4
    )
    roles: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.get_v1_retention_schedule_response_200_classes_item_rule_type_0 import (
            GetV1RetentionScheduleResponse200ClassesItemRuleType0,
        )
        from ..models.get_v1_retention_schedule_response_200_classes_item_rule_type_1 import (
            GetV1RetentionScheduleResponse200ClassesItemRuleType1,
        )
        from ..models.get_v1_retention_schedule_response_200_classes_item_rule_type_2 import (
            GetV1RetentionScheduleResponse200ClassesItemRuleType2,
        )
        from ..models.get_v1_retention_schedule_response_200_classes_item_rule_type_3 import (
            GetV1RetentionScheduleResponse200ClassesItemRuleType3,
        )

        code = self.code

        display = self.display

        citation = self.citation

        rule: dict[str, Any]
        if (
            isinstance(self.rule, GetV1RetentionScheduleResponse200ClassesItemRuleType0)
            or isinstance(
                self.rule, GetV1RetentionScheduleResponse200ClassesItemRuleType1
            )
            or isinstance(
                self.rule, GetV1RetentionScheduleResponse200ClassesItemRuleType2
            )
            or isinstance(
                self.rule, GetV1RetentionScheduleResponse200ClassesItemRuleType3
            )
        ):
            rule = self.rule.to_dict()
        else:
            rule = self.rule.to_dict()

        roles = self.roles

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "display": display,
                "citation": citation,
                "rule": rule,
                "roles": roles,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.get_v1_retention_schedule_response_200_classes_item_rule_type_0 import (
            GetV1RetentionScheduleResponse200ClassesItemRuleType0,
        )
        from ..models.get_v1_retention_schedule_response_200_classes_item_rule_type_1 import (
            GetV1RetentionScheduleResponse200ClassesItemRuleType1,
        )
        from ..models.get_v1_retention_schedule_response_200_classes_item_rule_type_2 import (
            GetV1RetentionScheduleResponse200ClassesItemRuleType2,
        )
        from ..models.get_v1_retention_schedule_response_200_classes_item_rule_type_3 import (
            GetV1RetentionScheduleResponse200ClassesItemRuleType3,
        )
        from ..models.get_v1_retention_schedule_response_200_classes_item_rule_type_4 import (
            GetV1RetentionScheduleResponse200ClassesItemRuleType4,
        )

        d = dict(src_dict)
        code = d.pop("code")

        display = d.pop("display")

        citation = d.pop("citation")

        def _parse_rule(
            data: object,
        ) -> (
            GetV1RetentionScheduleResponse200ClassesItemRuleType0
            | GetV1RetentionScheduleResponse200ClassesItemRuleType1
            | GetV1RetentionScheduleResponse200ClassesItemRuleType2
            | GetV1RetentionScheduleResponse200ClassesItemRuleType3
            | GetV1RetentionScheduleResponse200ClassesItemRuleType4
        ):
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                rule_type_0 = (
                    GetV1RetentionScheduleResponse200ClassesItemRuleType0.from_dict(
                        data
                    )
                )

                return rule_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                rule_type_1 = (
                    GetV1RetentionScheduleResponse200ClassesItemRuleType1.from_dict(
                        data
                    )
                )

                return rule_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                rule_type_2 = (
                    GetV1RetentionScheduleResponse200ClassesItemRuleType2.from_dict(
                        data
                    )
                )

                return rule_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                rule_type_3 = (
                    GetV1RetentionScheduleResponse200ClassesItemRuleType3.from_dict(
                        data
                    )
                )

                return rule_type_3
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            rule_type_4 = (
                GetV1RetentionScheduleResponse200ClassesItemRuleType4.from_dict(data)
            )

            return rule_type_4

        rule = _parse_rule(d.pop("rule"))

        roles = cast(list[str], d.pop("roles"))

        get_v1_retention_schedule_response_200_classes_item = cls(
            code=code,
            display=display,
            citation=citation,
            rule=rule,
            roles=roles,
        )

        get_v1_retention_schedule_response_200_classes_item.additional_properties = d
        return get_v1_retention_schedule_response_200_classes_item

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
