from enum import StrEnum


class GetV1RetentionScheduleResponse200ClassesItemRuleType3Kind(StrEnum):
    AFTER_DEATH = "after-death"

    def __str__(self) -> str:
        return str(self.value)
