from enum import StrEnum


class GetV1RetentionCertificatesIdResponse200State(StrEnum):
    DESTROYED = "destroyed"
    DESTROYING = "destroying"

    def __str__(self) -> str:
        return str(self.value)
