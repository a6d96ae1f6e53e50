from enum import StrEnum


class PostV1RetentionDisposalsIdRejectResponse200State(StrEnum):
    APPROVED = "approved"
    COMPLETED = "completed"
    PROPOSED = "proposed"
    REJECTED = "rejected"

    def __str__(self) -> str:
        return str(self.value)
