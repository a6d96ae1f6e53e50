from enum import StrEnum


class GetV1AuditFormat(StrEnum):
    FHIR = "fhir"
    JSON = "json"

    def __str__(self) -> str:
        return str(self.value)
