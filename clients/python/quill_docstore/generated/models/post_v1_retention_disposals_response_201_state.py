from enum import StrEnum


class PostV1RetentionDisposalsResponse201State(StrEnum):
    APPROVED = "approved"
    COMPLETED = "completed"
    PROPOSED = "proposed"
    REJECTED = "rejected"

    def __str__(self) -> str:
        return str(self.value)
