from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.get_fhir_document_reference_response_200_resource_type import (
    GetFhirDocumentReferenceResponse200ResourceType,
)
from ..models.get_fhir_document_reference_response_200_type import (
    GetFhirDocumentReferenceResponse200Type,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.get_fhir_document_reference_response_200_entry_item import (
        GetFhirDocumentReferenceResponse200EntryItem,
    )
    from ..models.get_fhir_document_reference_response_200_link_item import (
        GetFhirDocumentReferenceResponse200LinkItem,
    )


T = TypeVar("T", bound="GetFhirDocumentReferenceResponse200")


@_attrs_define
class GetFhirDocumentReferenceResponse200:
    """FHIR R4 searchset Bundle of DocumentReference

    Attributes:
        resource_type (GetFhirDocumentReferenceResponse200ResourceType):
        type_ (GetFhirDocumentReferenceResponse200Type):
        link (list[GetFhirDocumentReferenceResponse200LinkItem]):
        entry (list[GetFhirDocumentReferenceResponse200EntryItem]):
        total (int | Unset):
    """

    resource_type: GetFhirDocumentReferenceResponse200ResourceType
    type_: GetFhirDocumentReferenceResponse200Type
    link: list[GetFhirDocumentReferenceResponse200LinkItem]
    entry: list[GetFhirDocumentReferenceResponse200EntryItem]
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
        from ..models.get_fhir_document_reference_response_200_entry_item import (
            GetFhirDocumentReferenceResponse200EntryItem,
        )
        from ..models.get_fhir_document_reference_response_200_link_item import (
            GetFhirDocumentReferenceResponse200LinkItem,
        )

        d = dict(src_dict)
        resource_type = GetFhirDocumentReferenceResponse200ResourceType(
            d.pop("resourceType")
        )

        type_ = GetFhirDocumentReferenceResponse200Type(d.pop("type"))

        link = []
        _link = d.pop("link")
        for link_item_data in _link:
            link_item = GetFhirDocumentReferenceResponse200LinkItem.from_dict(
                link_item_data
            )

            link.append(link_item)

        entry = []
        _entry = d.pop("entry")
        for entry_item_data in _entry:
            entry_item = GetFhirDocumentReferenceResponse200EntryItem.from_dict(
                entry_item_data
            )

            entry.append(entry_item)

        total = d.pop("total", UNSET)

        get_fhir_document_reference_response_200 = cls(
            resource_type=resource_type,
            type_=type_,
            link=link,
            entry=entry,
            total=total,
        )

        get_fhir_document_reference_response_200.additional_properties = d
        return get_fhir_document_reference_response_200

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
