from enum import StrEnum


class GetV1RetentionDisposalsState(StrEnum):
    APPROVED = "approved"
    COMPLETED = "completed"
    PROPOSED = "proposed"
    REJECTED = "rejected"

    def __str__(self) -> str:
        return str(self.value)
