from enum import StrEnum


class GetV1RetentionCertificatesResponse200ItemsItemState(StrEnum):
    DESTROYED = "destroyed"
    DESTROYING = "destroying"

    def __str__(self) -> str:
        return str(self.value)
