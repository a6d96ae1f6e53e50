from enum import StrEnum


class GetV1RetentionScheduleResponse200ClassesItemRuleType1Kind(StrEnum):
    CHILDREN = "children"

    def __str__(self) -> str:
        return str(self.value)
