import io
from pathlib import Path

from diplosum.article import Article
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


def test_unreadable_and_empty_files_become_failures(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_bytes(b"\x1b[0m\x07\x08" * 100)
    (tmp_path / "empty.txt").write_text("Leave a Comment\n\n", encoding="utf-8")
    (tmp_path / "good.txt").write_text("Good.\n", encoding="utf-8")
    loaded = load_articles([tmp_path])
    assert [a.id for a in loaded.articles] == ["good"]
    assert [(f.source_id, f.stage) for f in loaded.failures] == [
        ("bad", "ingest"),
        ("empty", "ingest"),
    ]
    assert "looks like a binary file" in loaded.failures[0].error
    assert "bad.txt" in loaded.failures[0].error


def test_inputs_sharing_a_stem_get_distinct_ids(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    (tmp_path / "x" / "same.txt").write_text("One.\n", encoding="utf-8")
    (tmp_path / "y" / "same.txt").write_text("Two.\n", encoding="utf-8")
    (tmp_path / "z").mkdir()
    (tmp_path / "z" / "same.txt").write_text("Leave a Comment\n", encoding="utf-8")
    loaded = load_articles([tmp_path / "x", tmp_path / "y", tmp_path / "z"])
    assert [(a.id, a.text) for a in loaded.articles] == [("same", "One.\n"), ("same-2", "Two.\n")]
    assert [f.source_id for f in loaded.failures] == ["same-3"]


def test_the_same_file_twice_is_read_once(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("One.\n", encoding="utf-8")
    loaded = load_articles([tmp_path, tmp_path / "a.txt", str(tmp_path / "*.txt")])
    assert [a.id for a in loaded.articles] == ["a"]
    assert loaded.failures == []


def test_stdin_bytes_are_decoded_like_a_file() -> None:
    loaded = load_articles(["-"], stdin=io.BytesIO("\ufeffCafé talks.\n".encode()))
    assert loaded.articles[0].text == "Café talks.\n"
    assert loaded.articles[0].encoding == "utf-8-sig"
    loaded = load_articles(["-"], stdin=io.BytesIO(b"Caf\xe9 talks.\n"))
    assert (loaded.articles[0].text, loaded.articles[0].encoding) == ("Café talks.\n", "cp1252")
