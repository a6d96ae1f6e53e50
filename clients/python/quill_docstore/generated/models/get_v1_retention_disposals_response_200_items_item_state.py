from enum import StrEnum


class GetV1RetentionDisposalsResponse200ItemsItemState(StrEnum):
    APPROVED = "approved"
    COMPLETED = "completed"
    PROPOSED = "proposed"
    REJECTED = "rejected"

    def __str__(self) -> str:
        return str(self.value)
