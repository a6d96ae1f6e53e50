from enum import StrEnum


class GetV1RetentionScheduleResponse200ClassesItemRuleType0Kind(StrEnum):
    AFTER_LAST_CONTACT = "after-last-contact"

    def __str__(self) -> str:
        return str(self.value)
