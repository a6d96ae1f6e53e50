from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.get_v1_document_types_response_200_categories_item import (
        GetV1DocumentTypesResponse200CategoriesItem,
    )
    from ..models.get_v1_document_types_response_200_types_item import (
        GetV1DocumentTypesResponse200TypesItem,
    )


T = TypeVar("T", bound="GetV1DocumentTypesResponse200")


@_attrs_define
class GetV1DocumentTypesResponse200:
    """
    Attributes:
        types (list[GetV1DocumentTypesResponse200TypesItem]):
        categories (list[GetV1DocumentTypesResponse200CategoriesItem]):
    """

    types: list[GetV1DocumentTypesResponse200TypesItem]
    categories: list[GetV1DocumentTypesResponse200CategoriesItem]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        types = []
        for types_item_data in self.types:
            types_item = types_item_data.to_dict()
            types.append(types_item)

        categories = []
        for categories_item_data in self.categories:
            categories_item = categories_item_data.to_dict()
            categories.append(categories_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "types": types,
                "categories": categories,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.get_v1_document_types_response_200_categories_item import (
            GetV1DocumentTypesResponse200CategoriesItem,
        )
        from ..models.get_v1_document_types_response_200_types_item import (
            GetV1DocumentTypesResponse200TypesItem,
        )

        d = dict(src_dict)
        types = []
        _types = d.pop("types")
        for types_item_data in _types:
            types_item = GetV1DocumentTypesResponse200TypesItem.from_dict(
                types_item_data
            )

            types.append(types_item)

        categories = []
        _categories = d.pop("categories")
        for categories_item_data in _categories:
            categories_item = GetV1DocumentTypesResponse200CategoriesItem.from_dict(
                categories_item_data
            )

            categories.append(categories_item)

        get_v1_document_types_response_200 = cls(
            types=types,
            categories=categories,
        )

        get_v1_document_types_response_200.additional_properties = d
        return get_v1_document_types_response_200

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
