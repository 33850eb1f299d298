"""The place table is kept as text until a name is looked up: every city row of
``places.tsv`` is found under its name's words, with its country, region, position and
population, most populous first, and a name's cities are the same objects each time."""

from __future__ import annotations

from importlib import resources

from diplosum.merge.gazetteer import gazetteer
from diplosum.merge.text import words


def _rows() -> list[list[str]]:
    text = resources.files("diplosum.merge").joinpath("data/places.tsv").read_text("utf-8")
    return [line.split("\t") for line in text.splitlines() if line and line[0] != "#"]


def test_every_city_row_is_found_under_its_name() -> None:
    rows = _rows()
    countries = {r[1]: r[2].strip().removeprefix("The ") for r in rows if r[0] == "C"}
    cities = gazetteer().cities
    checked = 0
    for row in rows:
        if row[0] in ("C", "S") or row[1] not in countries:
            continue
        key = tuple(w for w in words(row[0]) if w != "the")
        if not key or " ".join(key) in ("of", "mobile", "university", "house", "hall"):
            continue
        found = [
            c
            for c in cities[key]
            if (c.region, c.population, c.lat, c.lon)
            == (f"{row[1]}-{row[2]}", int(row[5]), float(row[3]), float(row[4]))
        ]
        assert found and found[0].country == countries[row[1]], row
        checked += 1
    assert checked > 30_000


def test_names_keep_their_cities_in_order_and_identity() -> None:
    cities = gazetteer().cities
    springfields = cities[("springfield",)]
    assert len(springfields) > 3
    populations = [c.population for c in springfields]
    assert populations == sorted(populations, reverse=True)
    assert cities[("springfield",)] is springfields
    assert all(a is b for a, b in zip(cities[("springfield",)], springfields, strict=True))
    assert ("springfield",) in cities and ("no", "such", "town") not in cities
    assert cities.get(("no", "such", "town"), ()) == ()
    assert cities[("woodside",)][0].country == "United States"  # a hand-kept extra
