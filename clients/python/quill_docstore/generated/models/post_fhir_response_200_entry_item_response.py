from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="PostFhirResponse200EntryItemResponse")


@_attrs_define
class PostFhirResponse200EntryItemResponse:
    """
    Attributes:
        status (str):
        location (str | Unset):
        etag (str | Unset):
        last_modified (str | Unset):
    """

    status: str
    location: str | Unset = UNSET
    etag: str | Unset = UNSET
    last_modified: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status

        location = self.location

        etag = self.etag

        last_modified = self.last_modified

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
            }
        )
        if location is not UNSET:
            field_dict["location"] = location
        if etag is not UNSET:
            field_dict["etag"] = etag
        if last_modified is not UNSET:
            field_dict["lastModified"] = last_modified

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        status = d.pop("status")

        location = d.pop("location", UNSET)

        etag = d.pop("etag", UNSET)

        last_modified = d.pop("lastModified", UNSET)

        post_fhir_response_200_entry_item_response = cls(
            status=status,
            location=location,
            etag=etag,
            last_modified=last_modified,
        )

        post_fhir_response_200_entry_item_response.additional_properties = d
        return post_fhir_response_200_entry_item_response

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
