from enum import StrEnum


class PostV1RetentionHoldsIdLiftResponse200Scope(StrEnum):
    DOCUMENT = "document"
    PATIENT = "patient"
    TYPE = "type"

    def __str__(self) -> str:
        return str(self.value)
