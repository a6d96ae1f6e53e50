from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.post_fhir_response_200_resource_type import (
    PostFhirResponse200ResourceType,
)
from ..models.post_fhir_response_200_type import PostFhirResponse200Type

if TYPE_CHECKING:
    from ..models.post_fhir_response_200_entry_item import PostFhirResponse200EntryItem


T = TypeVar("T", bound="PostFhirResponse200")


@_attrs_define
class PostFhirResponse200:
    """FHIR R4 transaction-response Bundle

    Attributes:
        resource_type (PostFhirResponse200ResourceType):
        type_ (PostFhirResponse200Type):
        entry (list[PostFhirResponse200EntryItem]):
    """

    resource_type: PostFhirResponse200ResourceType
    type_: PostFhirResponse200Type
    entry: list[PostFhirResponse200EntryItem]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        resource_type = self.resource_type.value

        type_ = self.type_.value

        entry = []
        for entry_item_data in self.entry:
            entry_item = entry_item_data.to_dict()
            entry.append(entry_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "resourceType": resource_type,
                "type": type_,
                "entry": entry,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.post_fhir_response_200_entry_item import (
            PostFhirResponse200EntryItem,
        )

        d = dict(src_dict)
        resource_type = PostFhirResponse200ResourceType(d.pop("resourceType"))

        type_ = PostFhirResponse200Type(d.pop("type"))

        entry = []
        _entry = d.pop("entry")
        for entry_item_data in _entry:
            entry_item = PostFhirResponse200EntryItem.from_dict(entry_item_data)

            entry.append(entry_item)

        post_fhir_response_200 = cls(
            resource_type=resource_type,
            type_=type_,
            entry=entry,
        )

        post_fhir_response_200.additional_properties = d
        return post_fhir_response_200

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
