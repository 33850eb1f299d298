from pathlib import Path

import pytest

from diplosum.ingest.clean import clean_text, is_junk_line

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.mark.parametrize(
    "line",
    [
        "IE 11 is not supported. For an optimal experience visit our site on another browser.",
        "Leave a Comment",
        "Your email address will not be published. Required fields are marked *",
        "Scroll to Top",
        "%20(2).png)",
        "photo_2024-08-27.JPG",
    ],
)
def test_junk_lines_are_recognised(line: str) -> None:
    assert is_junk_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "Leave a comment about the talks, the minister urged reporters.",
        "The image.png file was leaked, officials said.",
        "Sullivan is expected to host a press conference Thursday.",
        "International",
    ],
)
def test_article_sentences_are_kept(line: str) -> None:
    assert not is_junk_line(line)


def test_clean_removes_junk_and_collapses_blank_lines() -> None:
    raw = "Title\r\n\r\n\r\n\r\nBody one.  \nLeave a Comment\n\n\n\n%20(2).png)\nBody two.\n\n\n"
    assert clean_text(raw) == "Title\n\nBody one.\n\nBody two.\n"


def test_cleaning_seeds_keeps_every_article_sentence() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        cleaned = clean_text(raw)
        kept = [line for line in raw.splitlines() if line.strip() and not is_junk_line(line)]
        for line in kept:
            assert line.rstrip() in cleaned, f"{path.name} lost: {line[:60]}"
        assert "IE 11" not in cleaned
        assert "Leave a Comment" not in cleaned
        assert ".png" not in cleaned
        assert "\n\n\n" not in cleaned


def test_clean_is_idempotent() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        once = clean_text(path.read_text(encoding="utf-8"))
        assert clean_text(once) == once
