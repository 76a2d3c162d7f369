"""The JSON of the HTTP API, as pydantic models (FastAPI's OpenAPI schema).

Every offset is a character offset (a Python string index, a Unicode code
point) into the text as sent: ``text[start:end]`` is the word, the entity or
the sentence. A lone surrogate (``"\\ud800"``, which JSON can carry) is
answered as ``nlp()`` answers it: the tokenizer reads it as U+FFFD, one
character for one, so the offsets hold, and ``replaced_surrogates`` lists
where that happened; the word and entity texts are the pipeline's.
"""

from typing import Dict, List, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..errors import Errors

FieldName = Literal["words", "tags", "upos", "entities", "cats", "sentences"]
FIELDS = ("words", "tags", "upos", "entities", "cats", "sentences")
WORD_FIELDS = {"words", "tags", "upos"}


class AnalyzeRequest(BaseModel):
    """One text or a list of texts, and what to answer about them."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"text": "江泽民在北京会见了代表团。"},
                {"texts": ["这本书很好看。", "质量太差了"], "fields": ["cats"]},
            ]
        },
    )

    text: Optional[str] = Field(None, description="One text (or give 'texts').")
    texts: Optional[List[str]] = Field(None, description="Several texts, in order.")
    fields: List[FieldName] = Field(
        list(FIELDS),
        description="What to answer: words (with offsets), tags (PKU), upos, "
        "entities, cats, sentences. Default: all.",
    )

    @model_validator(mode="after")
    def _one_of_text_or_texts(self) -> "AnalyzeRequest":
        if (self.text is None) == (self.texts is None):
            got = "both" if self.text is not None else "neither"
            raise ValueError(Errors.E589.format(got=got))
        return self

    def all_texts(self) -> List[str]:
        """The texts of the request, in order."""
        return [self.text] if self.text is not None else list(self.texts or [])


class Word(BaseModel):
    """A word: its span of the text, and its PKU tag and Universal POS if asked."""

    start: int
    end: int
    text: str
    tag: Optional[str] = None
    upos: Optional[str] = None


class Entity(BaseModel):
    """A named entity: its span of the text and its label (PER, LOC, ORG...)."""

    start: int
    end: int
    label: str
    text: str


class Sentence(BaseModel):
    """A sentence's span of the text."""

    start: int
    end: int


class TextError(BaseModel):
    """Why one text has no analysis (the others of the request still have)."""

    code: str
    message: str


class TextResult(BaseModel):
    """The analysis of one text; only the fields asked for are present."""

    words: Optional[List[Word]] = None
    entities: Optional[List[Entity]] = None
    cats: Optional[Dict[str, float]] = None
    sentences: Optional[List[Sentence]] = None
    replaced_surrogates: Optional[List[int]] = Field(
        None, description="Offsets of lone surrogates read as U+FFFD, if any."
    )
    error: Optional[TextError] = None


class AnalyzeResponse(BaseModel):
    """The results, one per text in the order sent."""

    model: str = Field(description="The pipeline's name and version.")
    results: List[TextResult]


class RenderRequest(BaseModel):
    """A text and its analysis (as /v1/analyze gave it) to draw with displaCy."""

    model_config = ConfigDict(extra="forbid")

    text: str
    analysis: TextResult


class RenderResponse(BaseModel):
    """displaCy's HTML: the entities view and the words with their POS."""

    entities: str
    words: str


class Health(BaseModel):
    status: str
    model: Optional[str] = None
