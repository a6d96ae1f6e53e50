from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.post_fhir_response_200_entry_item_response import (
        PostFhirResponse200EntryItemResponse,
    )


T = TypeVar("T", bound="PostFhirResponse200EntryItem")


@_attrs_define
class PostFhirResponse200EntryItem:
    """
    Attributes:
        response (PostFhirResponse200EntryItemResponse):
    """

    response: PostFhirResponse200EntryItemResponse
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        response = self.response.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "response": response,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.post_fhir_response_200_entry_item_response import (
            PostFhirResponse200EntryItemResponse,
        )

        d = dict(src_dict)
        response = PostFhirResponse200EntryItemResponse.from_dict(d.pop("response"))

        post_fhir_response_200_entry_item = cls(
            response=response,
        )

        post_fhir_response_200_entry_item.additional_properties = d
        return post_fhir_response_200_entry_item

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
