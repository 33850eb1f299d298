"""The unit of input: one article, its cleaned text and what is known about it."""

from __future__ import annotations

import hashlib

from pydantic import BaseModel, Field, computed_field

from diplosum.contracts.brief import Source


class Article(BaseModel):
    """One news article. ``text`` is the cleaned text that offsets refer to."""

    id: str = Field(min_length=1)
    text: str
    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    published: str | None = None
    author: str | None = None
    path: str | None = None
    encoding: str | None = None
    #: Set by the pipeline: the id of the article this one is a syndicated copy of.
    copy_of: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @classmethod
    def from_text(cls, text: str, *, id: str, clean: bool = True, **meta: str | None) -> Article:
        """Build an article from raw text, cleaning scraped junk unless told not to."""
        from diplosum.ingest.clean import clean_text

        return cls(id=id, text=clean_text(text) if clean else text, **meta)

    def to_source(self, *, title: str | None = None) -> Source:
        return Source(
            id=self.id,
            title=self.title or title,
            outlet=self.outlet,
            url=self.url,
            published=self.published,
            sha256=self.sha256,
            path=self.path,
            chars=len(self.text),
            author=self.author,
            encoding=self.encoding,
            copy_of=self.copy_of,
        )
