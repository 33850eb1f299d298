"""Syndicated copies: found before any model call, extracted once, each still a source
whose quotes are located in its own text; the brief counts independent sources."""

from __future__ import annotations

from pathlib import Path

import diplosum
from diplosum.ingest.copies import find_copies
from diplosum.ingest.load import load_articles
from diplosum.verify import normalise_quote
from tests.fakes import FakeBackend
from tests.helpers import SEEDS, gold_answers

ORIGINAL = "001_6e3fd4499fd64c22"
OTHER = "002_48f8343459885b5d"


def _article(article_id: str, text: str) -> diplosum.Article:
    return diplosum.Article(id=article_id, text=text)


def _syndicated(text: str) -> str:
    """The same agency story as another outlet runs it: its own header and sign-off,
    curly quotes straightened, paragraphs re-wrapped."""
    body = text.replace("’", "'").replace("\n\n", "\n\n\n")
    return f"EXAMPLE DAILY - World desk\n\n{body}\n(Reporting by agency staff.)\n"


def test_identical_after_normalisation_and_near_copies_are_found() -> None:
    seed = (SEEDS / f"{ORIGINAL}.txt").read_text(encoding="utf-8")
    other = (SEEDS / f"{OTHER}.txt").read_text(encoding="utf-8")
    articles = [
        _article("a", seed),
        _article("b", seed.upper().replace(" ", "  ").replace(",", "")),
        _article("c", _syndicated(seed)),
        _article("d", other),
        _article("e", seed[: len(seed) // 2]),  # half the story: not the same article
    ]
    assert find_copies(articles) == {"b": "a", "c": "a"}


def test_short_texts_are_copies_only_when_identical() -> None:
    articles = [
        _article("a", "Alpha met Beta in May."),
        _article("b", "alpha met beta, in May!"),
        _article("c", "Alpha met Gamma in May."),
    ]
    assert find_copies(articles) == {"b": "a"}


def _folder(tmp_path: Path) -> Path:
    seed = (SEEDS / f"{ORIGINAL}.txt").read_text(encoding="utf-8")
    (tmp_path / f"{ORIGINAL}.txt").write_text(seed, encoding="utf-8")
    (tmp_path / f"{OTHER}.txt").write_text(
        (SEEDS / f"{OTHER}.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "zz_daily.txt").write_text(_syndicated(seed), encoding="utf-8")
    return tmp_path


def test_a_copy_is_extracted_once_and_verified_in_its_own_text(tmp_path: Path) -> None:
    fake = FakeBackend(gold_answers())
    folder = _folder(tmp_path)
    brief = diplosum.brief([folder], backend=fake)
    assert sorted(r.article_id for r in fake.requests) == [ORIGINAL, OTHER]
    assert brief.failures == []
    sources = {s.id: s for s in brief.sources}
    assert sources["zz_daily"].copy_of == ORIGINAL and sources[ORIGINAL].copy_of is None
    (copy,) = load_articles([folder / "zz_daily.txt"]).articles
    located = [
        a for e in brief.events for a in e.attributions if a.source_id == "zz_daily" and a.verified
    ]
    assert located, "the copy's quotes are found in its own text"
    for a in located:
        assert a.start is not None and a.end is not None
        assert normalise_quote(copy.text[a.start : a.end]) == normalise_quote(a.quote)
    original_spans = {
        (a.quote, a.start) for e in brief.events for a in e.attributions if a.source_id == ORIGINAL
    }
    assert all((a.quote, a.start) not in original_spans for a in located), "own offsets"


def test_the_brief_counts_independent_sources(tmp_path: Path) -> None:
    brief = diplosum.brief([_folder(tmp_path)], backend=FakeBackend(gold_answers()))
    talks = next(e for e in brief.events if len(e.source_ids) == 3)
    assert set(talks.source_ids) == {ORIGINAL, OTHER, "zz_daily"}
    assert "reported by 3 of 3 sources (2 independent) " in brief.to_markdown()
    assert "reported by 3 of 3 sources (2 independent) " in brief.to_html()
    solo = diplosum.brief([SEEDS / f"{OTHER}.txt"], backend=FakeBackend(gold_answers()))
    assert "independent" not in solo.to_markdown() and "independent" not in solo.to_html()


def test_copies_can_be_extracted_each(tmp_path: Path) -> None:
    fake = FakeBackend(gold_answers(), default=gold_answers()[ORIGINAL])
    diplosum.brief([_folder(tmp_path)], backend=fake, detect_copies=False)
    assert len(fake.requests) == 3


def _reference(articles: list[diplosum.Article]) -> dict[str, str]:
    """The definition, comparing every article with every original before it."""
    from diplosum.ingest.copies import _fingerprint, _similar

    originals: list[tuple[str, object]] = []
    found: dict[str, str] = {}
    for article in articles:
        if not article.text.strip():
            continue
        mine = _fingerprint(article.text)
        match = next((i for i, theirs in originals if _similar(mine, theirs)), None)  # type: ignore[arg-type]
        if match is None:
            originals.append((article.id, mine))
        else:
            found[article.id] = match
    return found


def test_the_sketch_index_finds_what_comparing_every_pair_finds() -> None:
    """Stories, near copies of them at every distance around the threshold (words
    replaced at random), exact copies and short texts, in a random order: the indexed
    search gives exactly the pairwise definition's answer."""
    import random

    rng = random.Random(11)
    vocabulary = [f"w{i}" for i in range(400)]
    stories = [" ".join(rng.choices(vocabulary, k=rng.randint(40, 160))) for _ in range(40)]
    texts = list(stories)
    for story in stories:
        words = story.split()
        for _ in range(rng.randint(0, 4)):
            changed = list(words)
            for _ in range(rng.randint(0, len(words) // 12)):
                changed[rng.randrange(len(changed))] = rng.choice(vocabulary)
            texts.append(" ".join(changed))
    texts += ["w1 w2 w3", "w1 w2 w3", "w1 w2 w4", ""]
    rng.shuffle(texts)
    articles = [_article(f"a{i:03d}", text) for i, text in enumerate(texts)]
    expected = _reference(articles)
    # near copies on both sides of the threshold are in play
    assert 20 < len(expected) < len(texts) - len(stories) - 10
    assert find_copies(articles) == expected


def test_a_shared_footer_does_not_make_every_article_a_candidate() -> None:
    """Thousands of distinct stories under one outlet's long header and footer: exact
    and near copies are all found, even of stories whose smallest hashes are all
    boilerplate, and the boilerplate stops indexing (no article is compared with every
    other; nothing here is timed)."""
    import random

    from diplosum.ingest.copies import INDEXED, MAX_HOLDERS, CopyFinder, _fingerprint

    rng = random.Random(3)
    vocabulary = [f"w{i}" for i in range(5000)]
    header = "EXAMPLE DAILY world desk " + " ".join(f"h{i}" for i in range(30))
    footer = "Reporting by staff " + " ".join(f"f{i}" for i in range(300))
    stories = [" ".join(rng.choices(vocabulary, k=80)) for _ in range(1500)]
    texts = [f"{header}\n\n{s}\n\n{footer}" for s in stories]
    articles = [_article(f"s{i:04d}", t) for i, t in enumerate(texts)]
    boilerplate = _fingerprint(f"{header}\n\n{footer}").shingles
    hidden = [
        i
        for i, t in enumerate(texts)
        if set(sorted(_fingerprint(t).shingles)[:INDEXED]) <= boilerplate
    ]
    assert hidden  # stories whose smallest hashes are all boilerplate are in play
    picked = sorted({7, 700, *hidden[:20]})
    exact = [_article(f"c{i:04d}", texts[i]) for i in picked]
    near = [_article(f"n{i:04d}", texts[i].replace(stories[i].split()[40], "x", 1)) for i in picked]
    finder = CopyFinder()
    found = {a.id: finder.add(a) for a in [*articles, *exact, *near]}
    expected = {f"{kind}{i:04d}": f"s{i:04d}" for i in picked for kind in "cn"}
    assert {k: v for k, v in found.items() if v} == expected
    assert finder._common  # the boilerplate's hashes stopped indexing
    assert all(len(h) <= MAX_HOLDERS for h in finder._holders.values())
