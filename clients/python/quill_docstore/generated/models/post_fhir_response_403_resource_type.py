from enum import StrEnum


class PostFhirResponse403ResourceType(StrEnum):
    OPERATIONOUTCOME = "OperationOutcome"

    def __str__(self) -> str:
        return str(self.value)
