"""Guideline paragraphs of generated letters, written in the era's style, with their truth.

A paragraph takes one of four shapes (MTUS only; MTUS then a non-MTUS citation; "outside of
the MTUS" then a non-MTUS citation; nothing cited). The citation records follow
docs/labelling.md: `text` is what follows "Decision based on " (the whole sentence in 2013-14
prose), `document` the canonical book or chapter, `year` the edition written next to it.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from etl.records import Citation
from etl.synth.data import figures, guidelines
from etl.synth.model import Era, GuidelineLine, Place, Request
from etl.synth.targets import acoem_mtus_share

_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_ACTORS = {"claims": "The Claims Administrator", "reviewer": "The Expert Reviewer"}
_PROSE_ACTORS = {
    "claims": "The Claims Administrator based its decision on",
    "reviewer": "The Expert Reviewer based his/her decision on",
}
_OUTSIDE_MTUS = "based their decision on recommendation(s) outside of the MTUS Guidelines."
_PROSE_NONE = {
    "claims": "The Claims Administrator did not cite any evidence-based guidelines for its decision.",
    "reviewer": "The Expert Reviewer did not cite any evidence-based guidelines for his/her decision.",
}


@dataclass(frozen=True)
class Written:
    """A citation sentence as the letter writes it, with its records (two for "…, and …")."""

    text: str
    citations: list[Citation]


def guideline_line(
    rng: random.Random, era: Era, request: Request, actor: str, repeat: list[Written] | None = None
) -> tuple[GuidelineLine, list[Written]]:
    """The claims administrator's or expert reviewer's paragraph for a request.

    Returns the paragraph and its MTUS citations, which the reviewer may repeat.
    """
    has_mtus = bool(_mtus_entries(era, request) or _acoem_mtus_entries(era, request))
    shape = _shape(rng, request, actor, has_mtus)
    if shape == "none":
        text = _PROSE_NONE[actor] if era.citations == "prose" else _none_text(actor)
        return GuidelineLine(text, []), []
    mtus: list[Written] = []
    if shape in ("mtus", "mtus_and_other"):
        mtus = repeat if repeat else _mtus(rng, era, request)
    others = [_non_mtus(rng, era, request)] if shape != "mtus" else []
    if era.citations == "prose":
        return _prose_line(actor, mtus + others), mtus
    return _decision_line(actor, shape, mtus, others), mtus


def _none_text(actor: str) -> str:
    return f"{_ACTORS[actor]} did not cite any medical evidence for its decision."


def _shape(rng: random.Random, request: Request, actor: str, has_mtus: bool) -> str:
    settings = figures()["guideline_shapes"]
    orphan = actor == "reviewer" and _is_orphan_service(request)
    if orphan and rng.random() < settings["reviewer_adjunct_none"]:
        return "none"
    if actor == "claims":
        weights = dict(settings["claims"])
    else:
        weights = dict(settings[f"reviewer_{request.decision}"])
    if not has_mtus:
        weights["mtus"] = weights["mtus_and_other"] = 0
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _is_orphan_service(request: Request) -> bool:
    """An associated service whose surgery was not certified: reviewers usually cite nothing."""
    upheld = request.decision == "upheld"
    return request.role == "adjunct" and upheld and request.procedure_decision == "upheld"


def _decision_line(actor: str, shape: str, mtus: list[Written], others: list[Written]) -> GuidelineLine:
    """2015+ wording: "Decision based on MTUS … Decision based on Non-MTUS Citation …"."""
    parts = []
    if shape == "outside_mtus":
        parts.append(f"{_ACTORS[actor]} {_OUTSIDE_MTUS}")
    if mtus:
        parts.append("Decision based on " + " ".join(w.text for w in mtus))
    parts.extend("Decision based on " + w.text for w in others)
    return GuidelineLine(" ".join(parts), [c for w in mtus + others for c in w.citations])


def _prose_line(actor: str, written: list[Written]) -> GuidelineLine:
    """2013-14 wording: one sentence per citation, each naming the actor."""
    sentences = []
    citations = []
    for item in written:
        sentence = f"{_PROSE_ACTORS[actor]} {item.text}"
        sentences.append(sentence)
        citations.extend({**citation, "text": sentence} for citation in item.citations)
    return GuidelineLine(" ".join(sentences), citations)


# ------------------------------------------------------------------------------------ MTUS


def _mtus_entries(era: Era, request: Request) -> list[dict[str, Any]]:
    """Legacy MTUS entries (books of 2004-2016) citable in this era and body region."""
    topic = guidelines()["topics"][request.topic]
    return [entry for entry in topic["mtus"] if _citable(entry, era, request.place, "mtus")]


def _acoem_mtus_entries(era: Era, request: Request) -> list[dict[str, Any]]:
    """Entries of the ACOEM-based MTUS chapters, once the 2017-2018 update is in use."""
    if acoem_mtus_share(era.year) == 0:
        return []
    topic = guidelines()["topics"][request.topic]
    return [entry for entry in topic["acoem_mtus"] if _citable(entry, era, request.place, "acoem")]


def _citable(entry: dict[str, Any], era: Era, place: Place | None, field: str) -> bool:
    book_key = _resolve(entry["book"], place, field)
    if not book_key:
        return False
    book = guidelines()["books"][book_key]
    return bool(book[era.citations]) and entry.get("from", 0) <= era.year


def _resolve(key: str, place: Place | None, field: str) -> str:
    """A book or chapter key; "@region" means the key the body region names for `field`."""
    if not key.startswith("@"):
        return key
    return place.info[field] if place else ""


def _mtus(rng: random.Random, era: Era, request: Request) -> list[Written]:
    legacy = _mtus_entries(era, request)
    acoem = _acoem_mtus_entries(era, request)
    pool = acoem if acoem and (not legacy or rng.random() < acoem_mtus_share(era.year)) else legacy
    field = "acoem" if pool is acoem else "mtus"
    first = rng.choice(pool)
    if era.citations == "sections" and rng.random() < figures()["guideline_shapes"]["second_mtus_share"]:
        second = _second_book(rng, pool, first, request.place, field)
        if second:
            return _two_sections(rng, first, second, request.place, field)
    return [_written_mtus(rng, era, first, request.place, field)]


def _second_book(
    rng: random.Random, pool: list[dict[str, Any]], first: dict[str, Any], place: Place | None, field: str
) -> dict[str, Any] | None:
    book = _resolve(first["book"], place, field)
    others = [e for e in pool if _resolve(e["book"], place, field) != book and e.get("section")]
    if not first.get("section") or not others:
        return None
    return rng.choice(others)


def _written_mtus(
    rng: random.Random, era: Era, entry: dict[str, Any], place: Place | None, field: str
) -> Written:
    book_key = _resolve(entry["book"], place, field)
    book = guidelines()["books"][book_key]
    name = rng.choice(book[era.citations])
    section = entry.get("section")
    pages = _resolve_pages(entry.get("pages", ""), place)
    if era.citations == "sections":
        text = f"MTUS {name}, Section(s): {section}." if section else f"MTUS {name}."
        pages = ""
    elif era.citations == "pages":
        words = ["MTUS", name] + ([section] if section else []) + ([f"Page(s): {pages}"] if pages else [])
        text = " ".join(words) + "."
    else:
        text = _prose_mtus(rng, name, section, pages)
    return Written(text, [_citation(text, "MTUS", book["document"], _year(name), section, pages)])


def _two_sections(
    rng: random.Random, first: dict[str, Any], second: dict[str, Any], place: Place | None, field: str
) -> list[Written]:
    """ "MTUS A 2004, Section(s): x, and B 2016, Section(s): y." — one sentence, two citations."""
    entries = (first, second)
    books = [guidelines()["books"][_resolve(e["book"], place, field)] for e in entries]
    names = [rng.choice(book["sections"]) for book in books]
    head = f"MTUS {names[0]}, Section(s): {first['section']}"
    tail = f"{names[1]}, Section(s): {second['section']}."
    citations = [
        _citation(text, "MTUS", book["document"], _year(name), entry["section"], "")
        for text, book, name, entry in zip((head, tail), books, names, entries, strict=True)
    ]
    return [Written(f"{head}, and {tail}", citations)]


def _prose_mtus(rng: random.Random, name: str, section: str | None, pages: str) -> str:
    parts = [f"the {name}"]
    if section:
        parts.append(section)
    if pages:
        parts.append(f"{'pages' if '-' in pages or ',' in pages else 'page'} {pages}")
    verb = rng.choice(("is", "are"))
    return ", ".join(parts) + f", which {verb} part of the MTUS."


def _resolve_pages(pages: str, place: Place | None) -> str:
    if pages.startswith("@"):
        return str(place.info[pages[1:]]) if place else ""
    return pages


# -------------------------------------------------------------------------------- non-MTUS


def _non_mtus(rng: random.Random, era: Era, request: Request) -> Written:
    topic = guidelines()["topics"][request.topic]
    settings = figures()["guideline_shapes"]
    odg = [e for e in topic["odg"] if _resolve(e["chapter"], request.place, "odg")]
    acoem = topic.get("acoem", [])
    draw = rng.random()
    if draw < settings["other_source_share"] or not (odg or acoem):
        return _other(rng, era)
    if acoem and (draw < settings["other_source_share"] + settings["acoem_source_share"] or not odg):
        return _acoem(rng, era, rng.choice(acoem))
    return _odg(rng, era, rng.choice(odg), request.place)


def _odg(rng: random.Random, era: Era, entry: dict[str, Any], place: Place | None) -> Written:
    chapter = guidelines()["odg"][_resolve(entry["chapter"], place, "odg")]
    name = rng.choice(chapter["names"])
    section = entry.get("section")
    document: str | None = chapter["document"]
    if rng.random() < 0.04:
        body, document, section = "Official Disability Guidelines (ODG)", None, None
    elif section:
        body = rng.choice(
            (
                f"Official Disability Guidelines (ODG), {name}, {section}",
                f"Official Disability Guidelines (ODG) {name}, {section}",
                f"ODG {name}, {section}",
            )
        )
    else:
        body = rng.choice(
            (f"Official Disability Guidelines (ODG), {name}", f"Official Disability Guidelines (ODG) {name}")
        )
    return _non_mtus_written(era, body, _citation("", "ODG", document, None, section, ""))


def _acoem(rng: random.Random, era: Era, entry: dict[str, Any]) -> Written:
    chapter = guidelines()["acoem"][entry["chapter"]]
    section = entry.get("section")
    pages = entry.get("pages", "")
    parts = [f"ACOEM {rng.choice(chapter['names'])}"]
    if section:
        parts.append(section)
    if pages:
        parts.append(f"{'pages' if '-' in pages else 'page'} {pages}")
    body = ", ".join(parts)
    return _non_mtus_written(era, body, _citation("", "ACOEM", chapter["document"], None, section, pages))


def _other(rng: random.Random, era: Era) -> Written:
    name = rng.choice(guidelines()["other"]["names"])
    return _non_mtus_written(era, name, _citation("", "Other", name, None, None, ""))


def _non_mtus_written(era: Era, body: str, citation: Citation) -> Written:
    if era.citations == "prose":
        article = "the " if body.startswith(("Official", "ACOEM")) else ""
        text = f"{article}{body}, which is not part of the MTUS."
    else:
        text = f"Non-MTUS Citation {body}."
    return Written(text, [{**citation, "text": text}])


# ---------------------------------------------------------------------------------- records


def _citation(
    text: str, source: str, document: str | None, year: int | None, section: str | None, pages: str
) -> Citation:
    return Citation(
        text=text,
        source=source,
        document=document,
        year=year,
        section=section,
        pages=[page.strip() for page in pages.split(",")] if pages else [],
    )


def _year(name: str) -> int | None:
    match = _YEAR.search(name)
    return int(match.group()) if match else None
