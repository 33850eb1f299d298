from diplosum.article import Article
from diplosum.prompts import load_prompt
from diplosum.requests import build_request
from diplosum.store.fingerprint import canonical_json, fingerprint, fingerprint_fields


def _fp(**overrides: object) -> str:
    fields: dict[str, object] = {
        "model": "m",
        "mode": "json_schema",
        "prompt_sha256": "p",
        "article_sha256": "a",
        "temperature": 0.0,
    }
    fields.update(overrides)
    return fingerprint(fingerprint_fields(**fields))  # type: ignore[arg-type]


def test_fingerprint_is_tagged_and_stable() -> None:
    first = _fp()
    assert first.startswith("sha256:") and len(first) == len("sha256:") + 64
    assert _fp() == first


def test_every_input_changes_the_fingerprint() -> None:
    base = _fp()
    for change in (
        {"model": "other"},
        {"mode": "tools"},
        {"prompt_sha256": "q"},
        {"article_sha256": "b"},
        {"temperature": 0.7},
        {"schema": "different-schema"},
    ):
        assert _fp(**change) != base, change


def test_canonical_json_ignores_key_order() -> None:
    assert canonical_json({"b": 1, "a": [1, "é"]}) == canonical_json({"a": [1, "é"], "b": 1})
    assert canonical_json({"a": "é"}) == '{"a":"é"}'


def test_request_fingerprint_ignores_article_id_and_path_but_not_text() -> None:
    prompt = load_prompt()
    a = Article(id="a", text="Same text.\n", path="x/a.txt")
    b = Article(id="b", text="Same text.\n", path="y/b.txt")
    c = Article(id="a", text="Other text.\n")

    def fp(article: Article) -> str:
        return build_request(
            article, prompt=prompt, model="m", mode="json_schema", temperature=0.0
        ).fingerprint

    assert fp(a) == fp(b)
    assert fp(a) != fp(c)
