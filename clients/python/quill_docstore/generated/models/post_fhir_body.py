from __future__ import annotations

from collections.abc import Mapping
from typing import (
    TYPE_CHECKING,
    Any,
    Literal,
    Self,
    TypeVar,
    cast,
)

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.post_fhir_body_entry_item import PostFhirBodyEntryItem


T = TypeVar("T", bound="PostFhirBody")


@_attrs_define
class PostFhirBody:
    """FHIR R4 transaction Bundle: one MHD SubmissionSet List, DocumentReferences, Binaries (base64 data) referenced by
    urn:uuid from attachment.url, or inline attachment.data

        Attributes:
            resource_type (Literal['Bundle']):
            type_ (Literal['transaction']):
            entry (list[PostFhirBodyEntryItem]):
    """

    resource_type: Literal["Bundle"]
    type_: Literal["transaction"]
    entry: list[PostFhirBodyEntryItem]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        resource_type = self.resource_type

        type_ = self.type_

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
        from ..models.post_fhir_body_entry_item import PostFhirBodyEntryItem

        d = dict(src_dict)
        resource_type = cast(Literal["Bundle"], d.pop("resourceType"))
        if resource_type != "Bundle":
            raise ValueError(
                f"resourceType must match const 'Bundle', got '{resource_type}'"
            )

        type_ = cast(Literal["transaction"], d.pop("type"))
        if type_ != "transaction":
            raise ValueError(f"type must match const 'transaction', got '{type_}'")

        entry = []
        _entry = d.pop("entry")
        for entry_item_data in _entry:
            entry_item = PostFhirBodyEntryItem.from_dict(entry_item_data)

            entry.append(entry_item)

        post_fhir_body = cls(
            resource_type=resource_type,
            type_=type_,
            entry=entry,
        )

        post_fhir_body.additional_properties = d
        return post_fhir_body

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
