"""Place names: every country with its capital, US states, and cities of 15,000+ people.

The table is GeoNames data (``data/places.tsv``, see its header), loaded once on first
use. On top of it, a short hand-kept list of the other ways diplomatic news names a
country ("U.S.", "Chinese", "the Kremlin") and of small places that news makes famous
(Woodside, Camp David) but GeoNames' table leaves out. Names compare by their folded
words (``text.words``), so "Đà Nẵng" and "Da Nang" are one name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from diplosum.merge.text import words

# Canonical names are GeoNames' own; these add the forms news uses.
_ALIASES: dict[str, str] = {
    "United States": "us|usa|united states of america|america|american|americans|"
    "white house|state department|department of state|pentagon|us government|"
    "us administration|biden administration|trump administration",
    "China": "chinese|prc|peoples republic of china|ccp|cpc|chinese communist party|"
    "communist party of china|chinese government|mainland china",
    "South Korea": "south korean|republic of korea|rok|korea",
    "North Korea": "north korean|dprk|democratic peoples republic of korea",
    "Japan": "japanese",
    "Taiwan": "taiwanese|republic of china",
    "Russia": "russian|russian federation|kremlin",
    "Ukraine": "ukrainian",
    "United Kingdom": "uk|britain|great britain|british|downing street",
    "France": "french|elysee",
    "Germany": "german",
    "India": "indian",
    "Australia": "australian",
    "Canada": "canadian",
    "Thailand": "thai",
    "Laos": "lao|lao pdr",
    "Vietnam": "viet nam|vietnamese",
    "Philippines": "philippine|filipino",
    "Indonesia": "indonesian",
    "Singapore": "singaporean",
    "Myanmar": "burma",
    "Iran": "iranian|islamic republic of iran",
    "Israel": "israeli",
    "Saudi Arabia": "saudi",
    "Turkey": "turkiye|turkish",
    "Pakistan": "pakistani",
    "Mexico": "mexican",
    "Brazil": "brazilian",
    "Netherlands": "netherlands|holland|dutch",
    "Norway": "norwegian",
    "Poland": "polish",
    "Italy": "italian",
    "Spain": "spanish",
    "Egypt": "egyptian",
    "Qatar": "qatari",
    "Switzerland": "swiss",
    "Palestinian Territory": "palestine|palestinian|palestinian authority",
    "European Union": "european union|eu|european commission",
    "United Nations": "united nations|un",
    "NATO": "nato|north atlantic treaty organization",
}
# Small places in the news that the table lacks: (country, region).
_EXTRA_CITIES: dict[str, tuple[str, str]] = {
    "woodside": ("United States", "US-CA"),
    "camp david": ("United States", "US-MD"),
    "davos": ("Switzerland", "CH-GR"),
}
_STATE_ABBREVIATIONS = {
    "ariz": "AZ", "calif": "CA", "colo": "CO", "conn": "CT", "fla": "FL", "mass": "MA",
    "mich": "MI", "minn": "MN", "okla": "OK", "tenn": "TN", "wis": "WI", "dc": "DC",
    "district of columbia": "DC",
}  # fmt: skip
# City names that are also ordinary words or titles in place strings.
_NOT_CITIES = frozenset({"of", "mobile", "university", "house", "hall", "centre", "center"})
EARTH_KM = 6371.0


# Each city is one gazetteer entry: compared and hashed by identity, which is cheap.
@dataclass(frozen=True, slots=True, eq=False)
class City:
    name: str
    country: str
    region: str
    lat: float | None
    lon: float | None
    population: int


@dataclass(frozen=True)
class Gazetteer:
    countries: dict[tuple[str, ...], str]
    capitals: dict[str, str]
    cities: dict[tuple[str, ...], tuple[City, ...]]
    states: dict[tuple[str, ...], str]
    longest: int


def _key(name: str) -> tuple[str, ...]:
    return tuple(w for w in words(name) if w != "the")


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The table, loaded once."""
    text = resources.files("diplosum.merge").joinpath("data/places.tsv").read_text("utf-8")
    by_iso: dict[str, str] = {}
    countries: dict[tuple[str, ...], str] = {}
    capitals: dict[str, str] = {}
    states: dict[tuple[str, ...], str] = {}
    found: dict[tuple[str, ...], list[City]] = {}
    rows = [line.split("\t") for line in text.splitlines() if line and line[0] != "#"]
    for row in rows:
        if row[0] == "C":
            name = row[2].strip().removeprefix("The ")
            by_iso[row[1]] = name
            countries[_key(name)] = name
            capitals[name] = " ".join(_key(row[3]))
        elif row[0] == "S":
            states[_key(row[3])] = f"{row[1]}-{row[2]}"
    for row in rows:
        if row[0] in ("C", "S") or row[1] not in by_iso:
            continue
        key = _key(row[0])
        if key and " ".join(key) not in _NOT_CITIES:
            city = City(
                " ".join(key),
                by_iso[row[1]],
                f"{row[1]}-{row[2]}",
                float(row[3]),
                float(row[4]),
                int(row[5]),
            )
            found.setdefault(key, []).append(city)
    for canonical, aliases in _ALIASES.items():
        for alias in aliases.split("|"):
            countries[tuple(alias.split())] = canonical
        countries.setdefault(_key(canonical), canonical)
    for name, (country, region) in _EXTRA_CITIES.items():
        found.setdefault(tuple(name.split()), []).append(City(name, country, region, None, None, 0))
    for abbreviation, code in _STATE_ABBREVIATIONS.items():
        states[tuple(abbreviation.split())] = f"US-{code}"
    cities = {k: tuple(sorted(v, key=lambda c: -c.population)) for k, v in found.items()}
    longest = max(len(k) for k in (*countries, *cities, *states))
    return Gazetteer(countries, capitals, cities, states, min(longest, 6))


def country_named(key: tuple[str, ...]) -> str | None:
    """The canonical country a phrase's words name ("u s" -> "United States")."""
    return gazetteer().countries.get(key)


def is_capital(key: tuple[str, ...]) -> str | None:
    """The country whose capital this is: "beijing" -> "China"."""
    found = gazetteer().cities.get(key, ())
    return next((c.country for c in found if gazetteer().capitals.get(c.country) == c.name), None)


def distance_km(a: City, b: City) -> float | None:
    """Great-circle distance, None when either has no coordinates."""
    if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
        return None
    la, lb = math.radians(a.lat), math.radians(b.lat)
    dlat, dlon = lb - la, math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(la) * math.cos(lb) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))
