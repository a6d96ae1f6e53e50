from enum import StrEnum


class GetFhirMetadataResponse200ResourceType(StrEnum):
    CAPABILITYSTATEMENT = "CapabilityStatement"

    def __str__(self) -> str:
        return str(self.value)
