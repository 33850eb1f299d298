import io
from pathlib import Path

import pytest

from diplosum.article import Article
from diplosum.errors import InputError
from diplosum.ingest.load import load_articles

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def test_folder_loads_sorted_with_ids_from_stems() -> None:
    loaded = load_articles([SEEDS])
    assert [a.id for a in loaded.articles] == sorted(p.stem for p in SEEDS.glob("*.txt"))
    assert loaded.failures == []
    assert all(a.path and a.path.endswith(".txt") for a in loaded.articles)


def test_glob_file_stdin_text_and_article_objects(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("Alpha met Beta.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Gamma called Delta.\n", encoding="utf-8")
    (tmp_path / "notes.csv").write_text("ignored", encoding="utf-8")
    loaded = load_articles(
        [
            str(tmp_path / "*.md"),
            tmp_path / "b.txt",
            "-",
            "Raw text article.\nSecond line.",
            Article(id="given", text="Given text."),
        ],
        stdin=io.StringIO("From stdin.\nLeave a Comment\n"),
    )
    assert [a.id for a in loaded.articles] == ["a", "b", "stdin", "text-001", "given"]
    assert loaded.articles[2].text == "From stdin.\n"


def test_missing_path_names_it(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.txt: no such file"):
        load_articles([tmp_path / "nope.txt"])


def test_empty_pattern_and_empty_folder_are_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="matches no files"):
        load_articles([str(tmp_path / "*.txt")])
    with pytest.raises(InputError, match=r"no \.txt or \.md files"):
        load_articles([tmp_path])


def test_unreadable_and_empty_files_become_failures(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\x00bad")
    (tmp_path / "empty.txt").write_text("Leave a Comment\n\n", encoding="utf-8")
    (tmp_path / "good.txt").write_text("Good.\n", encoding="utf-8")
    loaded = load_articles([tmp_path])
    assert [a.id for a in loaded.articles] == ["good"]
    assert [(f.source_id, f.stage) for f in loaded.failures] == [
        ("bad", "ingest"),
        ("empty", "ingest"),
    ]
    assert "not UTF-8" in loaded.failures[0].error
    assert "bad.txt" in loaded.failures[0].error


def test_failed_input_cannot_share_an_id(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    (tmp_path / "x" / "same.txt").write_text("One.\n", encoding="utf-8")
    (tmp_path / "y" / "same.txt").write_text("Leave a Comment\n", encoding="utf-8")
    with pytest.raises(InputError, match="share the article id 'same'"):
        load_articles([tmp_path / "x", tmp_path / "y"])


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    (tmp_path / "x" / "same.txt").write_text("One.\n", encoding="utf-8")
    (tmp_path / "y" / "same.txt").write_text("Two.\n", encoding="utf-8")
    with pytest.raises(InputError, match="share the article id 'same'"):
        load_articles([tmp_path / "x", tmp_path / "y"])
