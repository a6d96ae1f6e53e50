from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.post_fhir_document_reference_search_response_200_resource_type import (
    PostFhirDocumentReferenceSearchResponse200ResourceType,
)
from ..models.post_fhir_document_reference_search_response_200_type import (
    PostFhirDocumentReferenceSearchResponse200Type,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.post_fhir_document_reference_search_response_200_entry_item import (
        PostFhirDocumentReferenceSearchResponse200EntryItem,
    )
    from ..models.post_fhir_document_reference_search_response_200_link_item import (
        PostFhirDocumentReferenceSearchResponse200LinkItem,
    )


T = TypeVar("T", bound="PostFhirDocumentReferenceSearchResponse200")


@_attrs_define
class PostFhirDocumentReferenceSearchResponse200:
    """FHIR R4 searchset Bundle of DocumentReference

    Attributes:
        resource_type (PostFhirDocumentReferenceSearchResponse200ResourceType):
        type_ (PostFhirDocumentReferenceSearchResponse200Type):
        link (list[PostFhirDocumentReferenceSearchResponse200LinkItem]):
        entry (list[PostFhirDocumentReferenceSearchResponse200EntryItem]):
        total (int | Unset):
    """

    resource_type: PostFhirDocumentReferenceSearchResponse200ResourceType
    type_: PostFhirDocumentReferenceSearchResponse200Type
    link: list[PostFhirDocumentReferenceSearchResponse200LinkItem]
    entry: list[PostFhirDocumentReferenceSearchResponse200EntryItem]
    total: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        resource_type = self.resource_type.value

        type_ = self.type_.value

        link = []
        for link_item_data in self.link:
            link_item = link_item_data.to_dict()
            link.append(link_item)

        entry = []
        for entry_item_data in self.entry:
            entry_item = entry_item_data.to_dict()
            entry.append(entry_item)

        total = self.total

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "resourceType": resource_type,
                "type": type_,
                "link": link,
                "entry": entry,
            }
        )
        if total is not UNSET:
            field_dict["total"] = total

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.post_fhir_document_reference_search_response_200_entry_item import (
            PostFhirDocumentReferenceSearchResponse200EntryItem,
        )
        from ..models.post_fhir_document_reference_search_response_200_link_item import (
            PostFhirDocumentReferenceSearchResponse200LinkItem,
        )

        d = dict(src_dict)
        resource_type = PostFhirDocumentReferenceSearchResponse200ResourceType(
            d.pop("resourceType")
        )

        type_ = PostFhirDocumentReferenceSearchResponse200Type(d.pop("type"))

        link = []
        _link = d.pop("link")
        for link_item_data in _link:
            link_item = PostFhirDocumentReferenceSearchResponse200LinkItem.from_dict(
                link_item_data
            )

            link.append(link_item)

        entry = []
        _entry = d.pop("entry")
        for entry_item_data in _entry:
            entry_item = PostFhirDocumentReferenceSearchResponse200EntryItem.from_dict(
                entry_item_data
            )

            entry.append(entry_item)

        total = d.pop("total", UNSET)

        post_fhir_document_reference_search_response_200 = cls(
            resource_type=resource_type,
            type_=type_,
            link=link,
            entry=entry,
            total=total,
        )

        post_fhir_document_reference_search_response_200.additional_properties = d
        return post_fhir_document_reference_search_response_200

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
