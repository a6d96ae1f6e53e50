from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.post_fhir_list_search_response_200_entry_item_resource_resource_type import (
    PostFhirListSearchResponse200EntryItemResourceResourceType,
)

T = TypeVar("T", bound="PostFhirListSearchResponse200EntryItemResource")


@_attrs_define
class PostFhirListSearchResponse200EntryItemResource:
    """
    Attributes:
        resource_type (PostFhirListSearchResponse200EntryItemResourceResourceType):
    """

    resource_type: PostFhirListSearchResponse200EntryItemResourceResourceType
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
        resource_type = PostFhirListSearchResponse200EntryItemResourceResourceType(
            d.pop("resourceType")
        )

        post_fhir_list_search_response_200_entry_item_resource = cls(
            resource_type=resource_type,
        )

        post_fhir_list_search_response_200_entry_item_resource.additional_properties = d
        return post_fhir_list_search_response_200_entry_item_resource

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
