from enum import StrEnum


class GetV1AuditResponse200ItemsItemOutcome(StrEnum):
    DENIED = "denied"
    FAILED = "failed"
    SUCCESS = "success"

    def __str__(self) -> str:
        return str(self.value)
