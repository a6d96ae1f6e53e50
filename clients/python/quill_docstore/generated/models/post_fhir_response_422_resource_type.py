from enum import StrEnum


class PostFhirResponse422ResourceType(StrEnum):
    OPERATIONOUTCOME = "OperationOutcome"

    def __str__(self) -> str:
        return str(self.value)
