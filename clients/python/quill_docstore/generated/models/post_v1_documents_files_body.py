from __future__ import annotations

import datetime
from collections.abc import Mapping
from io import BytesIO
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types
from ..types import UNSET, File, Unset

T = TypeVar("T", bound="PostV1DocumentsFilesBody")


@_attrs_define
class PostV1DocumentsFilesBody:
    """
    Attributes:
        patient (str): NHS number Example: 9434765919.
        type_ (str): document type code (GET /v1/document-types) Example: 373942005.
        title (str):
        file (File):
        description (str | Unset):
        category (str | Unset):
        date (datetime.date | Unset):
        author (str | Unset):
        retention_class (str | Unset): optional retention class overriding the type's (one your role may set; GET
            /v1/retention/schedule)
        filename (str | Unset):
        sha256 (str | Unset): optional hex SHA-256 of the file, checked
    """

    patient: str
    type_: str
    title: str
    file: File
    description: str | Unset = UNSET
    category: str | Unset = UNSET
    date: datetime.date | Unset = UNSET
    author: str | Unset = UNSET
    retention_class: str | Unset = UNSET
    filename: str | Unset = UNSET
    sha256: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        patient = self.patient

        type_ = self.type_

        title = self.title

        file = self.file.to_tuple()

        description = self.description

        category = self.category

        date: str | Unset = UNSET
        if not isinstance(self.date, Unset):
            date = self.date.isoformat()

        author = self.author

        retention_class = self.retention_class

        filename = self.filename

        sha256 = self.sha256

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "patient": patient,
                "type": type_,
                "title": title,
                "file": file,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if category is not UNSET:
            field_dict["category"] = category
        if date is not UNSET:
            field_dict["date"] = date
        if author is not UNSET:
            field_dict["author"] = author
        if retention_class is not UNSET:
            field_dict["retentionClass"] = retention_class
        if filename is not UNSET:
            field_dict["filename"] = filename
        if sha256 is not UNSET:
            field_dict["sha256"] = sha256

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        files.append(("patient", (None, str(self.patient).encode(), "text/plain")))

        files.append(("type", (None, str(self.type_).encode(), "text/plain")))

        files.append(("title", (None, str(self.title).encode(), "text/plain")))

        files.append(("file", self.file.to_tuple()))

        if not isinstance(self.description, Unset):
            files.append(
                ("description", (None, str(self.description).encode(), "text/plain"))
            )

        if not isinstance(self.category, Unset):
            files.append(
                ("category", (None, str(self.category).encode(), "text/plain"))
            )

        if not isinstance(self.date, Unset):
            files.append(("date", (None, self.date.isoformat().encode(), "text/plain")))

        if not isinstance(self.author, Unset):
            files.append(("author", (None, str(self.author).encode(), "text/plain")))

        if not isinstance(self.retention_class, Unset):
            files.append(
                (
                    "retentionClass",
                    (None, str(self.retention_class).encode(), "text/plain"),
                )
            )

        if not isinstance(self.filename, Unset):
            files.append(
                ("filename", (None, str(self.filename).encode(), "text/plain"))
            )

        if not isinstance(self.sha256, Unset):
            files.append(("sha256", (None, str(self.sha256).encode(), "text/plain")))

        for prop_name, prop in self.additional_properties.items():
            files.append((prop_name, (None, str(prop).encode(), "text/plain")))

        return files

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        patient = d.pop("patient")

        type_ = d.pop("type")

        title = d.pop("title")

        file = File(payload=BytesIO(d.pop("file")))

        description = d.pop("description", UNSET)

        category = d.pop("category", UNSET)

        _date = d.pop("date", UNSET)
        date: datetime.date | Unset
        if isinstance(_date, Unset):
            date = UNSET
        else:
            date = datetime.date.fromisoformat(_date)

        author = d.pop("author", UNSET)

        retention_class = d.pop("retentionClass", UNSET)

        filename = d.pop("filename", UNSET)

        sha256 = d.pop("sha256", UNSET)

        post_v1_documents_files_body = cls(
            patient=patient,
            type_=type_,
            title=title,
            file=file,
            description=description,
            category=category,
            date=date,
            author=author,
            retention_class=retention_class,
            filename=filename,
            sha256=sha256,
        )

        post_v1_documents_files_body.additional_properties = d
        return post_v1_documents_files_body

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
