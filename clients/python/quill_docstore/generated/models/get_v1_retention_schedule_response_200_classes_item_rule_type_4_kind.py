from enum import StrEnum


class GetV1RetentionScheduleResponse200ClassesItemRuleType4Kind(StrEnum):
    AFTER_DOCUMENT_DATE = "after-document-date"

    def __str__(self) -> str:
        return str(self.value)
