from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.post_fhir_response_422_resource_type import (
    PostFhirResponse422ResourceType,
)

T = TypeVar("T", bound="PostFhirResponse422")


@_attrs_define
class PostFhirResponse422:
    """FHIR R4 OperationOutcome: each issue names the bundle entry (expression) and carries the stable error code
    (details.coding, system https://quill-docstore.nhs.example/problems)

        Attributes:
            resource_type (PostFhirResponse422ResourceType):
    """

    resource_type: PostFhirResponse422ResourceType
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        resource_type = self.resource_type.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "resourceType": resource_type,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        resource_type = PostFhirResponse422ResourceType(d.pop("resourceType"))

        post_fhir_response_422 = cls(
            resource_type=resource_type,
        )

        post_fhir_response_422.additional_properties = d
        return post_fhir_response_422

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
