from enum import StrEnum


class GetV1RetentionScheduleResponse200ClassesItemRuleType2Kind(StrEnum):
    AFTER_LAST_CHILD_BIRTH = "after-last-child-birth"

    def __str__(self) -> str:
        return str(self.value)
