"""Place names: every country with its capital, US states, and cities of 15,000+ people.

The table is GeoNames data (``data/places.tsv``, see its header), loaded once on first
use. On top of it, a short hand-kept list of the other ways diplomatic news names a
country ("U.S.", "Chinese", "the Kremlin") and of small places that news makes famous
(Woodside, Camp David) but GeoNames' table leaves out. Names compare by their folded
words (``text.words``), so "Đà Nẵng" and "Da Nang" are one name.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from diplosum.merge.text import uncached_words

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


class _Cities(Mapping[tuple[str, ...], tuple[City, ...]]):
    """Cities by the words of their name, most populous first. The table's 34,000 rows
    stay as short strings until a name is looked up (a ``City`` per row for every
    city would take some 40 MB); a name's cities are made once, so they keep their
    identity."""

    def __init__(self, rows: dict[str, str]) -> None:
        # "words of the name" -> lines of "country<TAB>region<TAB>lat<TAB>lon<TAB>population"
        self._rows = rows
        self._made: dict[str, tuple[City, ...]] = {}
        self._lock = threading.Lock()

    def __getitem__(self, key: tuple[str, ...]) -> tuple[City, ...]:
        name = " ".join(key)
        made = self._made.get(name)
        if made is not None:
            return made
        rows = self._rows[name]  # KeyError: no such city
        with self._lock:  # the merge may run in threads; one tuple per name
            made = self._made.get(name)
            if made is None:
                cities = (_city(name, row) for row in rows.split("\n"))
                made = tuple(sorted(cities, key=_by_population))
                self._made[name] = made
        return made

    def __contains__(self, key: object) -> bool:
        return isinstance(key, tuple) and " ".join(key) in self._rows

    def __iter__(self) -> Iterator[tuple[str, ...]]:
        return (tuple(name.split(" ")) for name in self._rows)

    def __len__(self) -> int:
        return len(self._rows)


def _city(name: str, row: str) -> City:
    country, region, lat, lon, population = row.split("\t")
    return City(
        name,
        country,
        region,
        float(lat) if lat else None,
        float(lon) if lon else None,
        int(population),
    )


def _by_population(city: City) -> int:
    return -city.population


@dataclass(frozen=True)
class Gazetteer:
    countries: dict[tuple[str, ...], str]
    capitals: dict[str, str]
    cities: Mapping[tuple[str, ...], tuple[City, ...]]
    states: dict[tuple[str, ...], str]
    longest: int


def _key(name: str) -> tuple[str, ...]:
    # Not through ``fold``'s cache: 34,000 names folded once would fill it for nothing.
    return tuple(w for w in uncached_words(name) if w != "the")


_loading = threading.Lock()


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The table, loaded once (thread-safe: the pipeline loads it in a thread)."""
    with _loading:
        return _load()


@lru_cache(maxsize=1)
def _load() -> Gazetteer:
    text = resources.files("diplosum.merge").joinpath("data/places.tsv").read_text("utf-8")
    by_iso: dict[str, str] = {}
    countries: dict[tuple[str, ...], str] = {}
    capitals: dict[str, str] = {}
    states: dict[tuple[str, ...], str] = {}
    found: dict[str, str] = {}
    longest = 1
    for line in text.splitlines():
        if not line or line[0] == "#":
            continue
        kind, rest = line.split("\t", 1)
        if kind == "C":
            iso, country_name, capital = rest.split("\t")
            name = country_name.strip().removeprefix("The ")
            by_iso[iso] = name
            countries[_key(name)] = name
            capitals[name] = " ".join(_key(capital))
        elif kind == "S":
            iso, admin, state = rest.split("\t")
            states[_key(state)] = f"{iso}-{admin}"
    for line in text.splitlines():
        if not line or line[0] == "#" or line.startswith(("C\t", "S\t")):
            continue  # a comment, a country or a state
        city, iso, admin, lat, lon, population = line.split("\t")
        country = by_iso.get(iso)
        key = _key(city)
        name = " ".join(key)
        if country is None or not key or name in _NOT_CITIES:
            continue
        _add(found, name, f"{country}\t{iso}-{admin}\t{lat}\t{lon}\t{population}")
        longest = max(longest, len(key))
    for canonical, aliases in _ALIASES.items():
        for alias in aliases.split("|"):
            countries[tuple(alias.split())] = canonical
        countries.setdefault(_key(canonical), canonical)
    for name, (country, region) in _EXTRA_CITIES.items():
        _add(found, name, f"{country}\t{region}\t\t\t0")
    for abbreviation, code in _STATE_ABBREVIATIONS.items():
        states[tuple(abbreviation.split())] = f"US-{code}"
    longest = max(longest, *(len(k) for k in (*countries, *states)))
    return Gazetteer(countries, capitals, _Cities(found), states, min(longest, 6))


def _add(rows: dict[str, str], name: str, row: str) -> None:
    known = rows.get(name)
    rows[name] = row if known is None else f"{known}\n{row}"


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
