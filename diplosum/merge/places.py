"""Countries, affiliations and event places: normalised so spellings compare equal.

A ``Place`` is a country, a region (US state or other first-level division), a city
or town from the gazetteer (with its coordinates), and whatever other words were
given (a venue: "Sunnylands estate", "Great Hall of the People"). Two places relate as

- ``SAME``: one contains the other ("China" / "Beijing, China"; "California" /
  "Rancho Mirage, Calif."), the same city, or venues sharing a distinctive word;
- ``UNKNOWN``: nothing to compare, a venue against a town ("Sunnylands" / "Rancho
  Mirage"): no evidence either way;
- ``NEAR``: different towns close together (within ``NEAR_KM``, or in one region when a
  town has no coordinates): "near Palm Springs" / "Rancho Mirage". One event can be
  named so by two sources, and the brief shows a ``location`` conflict;
- ``FAR``: different countries, regions, or towns further apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from diplosum.merge.gazetteer import City, country_named, distance_km, gazetteer, is_capital
from diplosum.merge.text import word_set, words

SAME, UNKNOWN, NEAR, FAR = 1, 0, -1, -2
NEAR_KM = 60.0

# Words that say where nothing is: a call or a video meeting has no place.
_NOWHERE = word_set("virtual online video videoconference phone telephone remote remotely")
_LOCATION_STOP = word_set(
    "a and the of in at on near outside nearby close to city province state county town area region"
)
# Venue words too common to say two venues are one.
_GENERIC = word_set(
    "estate hotel palace hall house building center centre resort ranch airport base "
    "office headquarters residence compound summit meeting talks sidelines venue complex "
    "guesthouse guest room conference convention international national capital"
)


@dataclass(frozen=True)
class Affiliation:
    """A normalised affiliation: ``key`` compares, ``country`` is set for known countries."""

    key: str
    country: str | None
    display: str


def _country(toks: tuple[str, ...]) -> str | None:
    return country_named(toks) or is_capital(toks)


@lru_cache(maxsize=8192)
def country_of(text: str) -> str | None:
    """The canonical country a whole phrase names ("U.S." -> "United States"), else None."""
    return _country(tuple(w for w in words(text) if w != "the"))


@lru_cache(maxsize=8192)
def leading_country(text: str) -> tuple[str | None, list[str]]:
    """Split a leading country phrase off ("US National Security Advisor")."""
    toks = words(text)
    if toks and toks[0] == "the":
        toks = toks[1:]
    for size in range(min(gazetteer().longest, len(toks)), 0, -1):
        country = _country(tuple(toks[:size]))
        if country is not None:
            return country, toks[size:]
    return None, toks


@lru_cache(maxsize=8192)
def normalise_affiliation(raw: str | None) -> Affiliation | None:
    """Normalise an affiliation; a leading country phrase decides ("Chinese government")."""
    if raw is None or not raw.strip():
        return None
    country = country_of(raw)
    if country is None:
        country, _rest = leading_country(raw)
    if country is not None:
        return Affiliation(key=country, country=country, display=country)
    toks = [w for w in words(raw) if w != "the"]
    if not toks:
        return None
    return Affiliation(key=" ".join(toks), country=None, display=raw.strip())


def countries_compatible(a: str | None, b: str | None) -> bool:
    """Different known countries are the only incompatibility."""
    return a is None or b is None or a == b


@dataclass(frozen=True, slots=True)
class Place:
    country: str | None
    region: str | None
    city: City | None
    words: frozenset[str]
    # The region and country came from the city's entry, not from the text.
    inferred: bool = False
    # Tokens for blocking: city, region and venue words, and ``#`` + the country.
    key: frozenset[str] = field(init=False, compare=False, repr=False)
    # Places are hashed often (sets, caches): once is enough.
    _hash: int = field(init=False, compare=False, repr=False)
    # ``specificity()``, worked out once.
    spec: int = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        out = set(self.words)
        if self.city is not None:
            out.add(self.city.name)
        if self.region is not None:
            out.add(self.region)
        if self.country is not None:
            out.add("#" + self.country)
        object.__setattr__(self, "key", frozenset(out))
        fields = (self.country, self.region, self.city, self.words, self.inferred)
        object.__setattr__(self, "_hash", hash(fields))
        object.__setattr__(self, "spec", self.specificity())

    def __hash__(self) -> int:
        return self._hash

    def specificity(self) -> int:
        """How much the place says: venue, town, region, country."""
        return (
            2 * bool(self.words)
            + 4 * (self.city is not None)
            + (self.region is not None)
            + (self.country is not None)
        )


def _pick_city(key: tuple[str, ...], country: str | None, region: str | None) -> City | None:
    """The most populous city of that name in the country and region named, if any."""
    for city in gazetteer().cities.get(key, ()):
        if (country is None or city.country == country) and (
            region is None or city.region == region
        ):
            return city
    return None


def _parse(toks: list[str]) -> tuple[str | None, str | None, list[tuple[str, ...]], list[str]]:
    """Country, region, city phrases and other words of a place's words."""
    g = gazetteer()
    country: str | None = None
    region: str | None = None
    cities: list[tuple[str, ...]] = []
    rest: list[str] = []
    i = 0
    while i < len(toks):
        for size in range(min(g.longest, len(toks) - i), 0, -1):
            phrase = tuple(toks[i : i + size])
            capital_of = is_capital(phrase)
            named = country_named(phrase)
            if capital_of is not None:
                cities.append(phrase)
            elif named is not None:
                country = country or named
            elif phrase in g.states:
                region = region or g.states[phrase]
            elif phrase in g.cities:
                cities.append(phrase)
            else:
                continue
            break
        else:
            size = 1
            if toks[i] not in _NOWHERE:
                rest.append(toks[i])
        i += size
    return country, region, cities, rest


def _place(
    country: str | None, region: str | None, cities: list[tuple[str, ...]], rest: list[str]
) -> Place | None:
    city = None
    for phrase in cities:
        found = _pick_city(phrase, country, region) if city is None else None
        if found is None:
            rest.extend(phrase)
        else:
            city = found
    # A region taken from a town whose name recurs in its country ("Woodside": New
    # York's or California's?) says nothing.
    inferred = (
        city is not None
        and region is None
        and gazetteer().capitals.get(city.country) != city.name
        and sum(c.country == city.country for c in gazetteer().cities[tuple(city.name.split())]) > 1
    )
    if city is not None:
        country = country or city.country
        region = region or city.region
    venue = frozenset(rest)
    if country is None and region is None and city is None and not venue:
        return None
    if region is not None and country is None and region.startswith("US-"):
        country = "United States"
    return Place(country, region, city, venue, inferred)


def _toks(text: str | None) -> list[str]:
    return [w for w in words(text or "") if w not in _LOCATION_STOP]


@lru_cache(maxsize=65536)
def parse_place(
    location: str | None,
    venue: str | None = None,
    city: str | None = None,
    region: str | None = None,
    country: str | None = None,
) -> Place | None:
    """An event's place: from the model's venue/city/region/country when it gives any,
    else parsed from the location string. None when it names no place ("virtual")."""
    if not any((venue, city, region, country)):
        return _place(*_parse(_toks(location)))
    c_country, _r, _c, c_rest = _parse(_toks(country))
    r_country, r_region, _c, r_rest = _parse(_toks(region))
    named_country = c_country or r_country
    if named_country is None and c_rest:
        named_country = " ".join(c_rest)
    named_region = r_region
    if named_region is None and r_rest:
        named_region = (named_country or "") + "-" + " ".join(r_rest)
    city_toks = _toks(city)
    cities = [tuple(city_toks)] if tuple(city_toks) in gazetteer().cities else []
    rest = [w for w in _toks(venue) if w not in _NOWHERE]
    if city_toks and not cities:
        rest += city_toks
    return _place(named_country, named_region, cities, rest)


def _distinct(words_: frozenset[str]) -> frozenset[str]:
    return words_ - _GENERIC


@lru_cache(maxsize=1 << 18)
def relate(a: Place, b: Place) -> int:
    """``SAME``, ``UNKNOWN``, ``NEAR`` or ``FAR``: see the module docstring."""
    if a.country and b.country and a.country != b.country:
        return FAR
    if a.city is not None and b.city is not None and a.city != b.city:
        if a.city.name == b.city.name and (a.inferred or b.inferred):
            return SAME
        km = distance_km(a.city, b.city)
        if km is not None:
            return NEAR if km <= NEAR_KM else FAR
        return NEAR if a.region == b.region else FAR
    if a.region and b.region and a.region != b.region and not (a.inferred or b.inferred):
        return FAR
    shared = _distinct(a.words) & _distinct(b.words)
    if (a.city is not None and a.city == b.city) or shared:
        return SAME
    geo_a = a.country or a.region or a.city
    geo_b = b.country or b.region or b.city
    if geo_a and geo_b:
        # Neither names a town the other contradicts: one contains the other.
        return SAME
    return UNKNOWN


def agree(a: Place, b: Place) -> bool:
    """Places that can name one event without a conflict."""
    return relate(a, b) >= UNKNOWN
