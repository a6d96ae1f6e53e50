from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.post_fhir_list_search_response_200_entry_item_resource import (
        PostFhirListSearchResponse200EntryItemResource,
    )
    from ..models.post_fhir_list_search_response_200_entry_item_search import (
        PostFhirListSearchResponse200EntryItemSearch,
    )


T = TypeVar("T", bound="PostFhirListSearchResponse200EntryItem")


@_attrs_define
class PostFhirListSearchResponse200EntryItem:
    """
    Attributes:
        resource (PostFhirListSearchResponse200EntryItemResource):
        full_url (str | Unset):
        search (PostFhirListSearchResponse200EntryItemSearch | Unset):
    """

    resource: PostFhirListSearchResponse200EntryItemResource
    full_url: str | Unset = UNSET
    search: PostFhirListSearchResponse200EntryItemSearch | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        resource = self.resource.to_dict()

        full_url = self.full_url

        search: dict[str, Any] | Unset = UNSET
        if not isinstance(self.search, Unset):
            search = self.search.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "resource": resource,
            }
        )
        if full_url is not UNSET:
            field_dict["fullUrl"] = full_url
        if search is not UNSET:
            field_dict["search"] = search

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.post_fhir_list_search_response_200_entry_item_resource import (
            PostFhirListSearchResponse200EntryItemResource,
        )
        from ..models.post_fhir_list_search_response_200_entry_item_search import (
            PostFhirListSearchResponse200EntryItemSearch,
        )

        d = dict(src_dict)
        resource = PostFhirListSearchResponse200EntryItemResource.from_dict(
            d.pop("resource")
        )

        full_url = d.pop("fullUrl", UNSET)

        _search = d.pop("search", UNSET)
        search: PostFhirListSearchResponse200EntryItemSearch | Unset
        if isinstance(_search, Unset):
            search = UNSET
        else:
            search = PostFhirListSearchResponse200EntryItemSearch.from_dict(_search)

        post_fhir_list_search_response_200_entry_item = cls(
            resource=resource,
            full_url=full_url,
            search=search,
        )

        post_fhir_list_search_response_200_entry_item.additional_properties = d
        return post_fhir_list_search_response_200_entry_item

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
