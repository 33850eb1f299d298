"""Countries, affiliations and locations: normalised so spellings compare equal.

The tables are small on purpose: they cover the names diplomatic news uses most.
Anything not in them still works, compared by its folded words.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from diplosum.merge.text import word_set, words

_COUNTRIES: dict[str, str] = {
    "United States": "us|usa|united states|united states of america|america|american|"
    "americans|washington|white house|state department|department of state|pentagon|"
    "us government|us administration|biden administration|trump administration",
    "China": "china|chinese|prc|peoples republic of china|beijing|ccp|cpc|"
    "chinese communist party|communist party of china|chinese government",
    "South Korea": "south korea|south korean|republic of korea|rok|korea|seoul",
    "North Korea": "north korea|north korean|dprk|pyongyang",
    "Japan": "japan|japanese|tokyo",
    "Taiwan": "taiwan|taiwanese|republic of china|taipei",
    "Russia": "russia|russian|russian federation|kremlin|moscow",
    "Ukraine": "ukraine|ukrainian|kyiv",
    "United Kingdom": "united kingdom|uk|britain|great britain|british|london",
    "France": "france|french|paris",
    "Germany": "germany|german|berlin",
    "India": "india|indian|new delhi",
    "Australia": "australia|australian|canberra",
    "Canada": "canada|canadian|ottawa",
    "Thailand": "thailand|thai",
    "Laos": "laos|lao|lao pdr",
    "Vietnam": "vietnam|viet nam|vietnamese",
    "Philippines": "philippines|philippine|filipino|manila",
    "Indonesia": "indonesia|indonesian|jakarta",
    "Singapore": "singapore|singaporean",
    "Myanmar": "myanmar|burma",
    "Iran": "iran|iranian|tehran",
    "Israel": "israel|israeli",
    "Saudi Arabia": "saudi arabia|saudi",
    "Turkey": "turkey|turkiye|turkish|ankara",
    "Pakistan": "pakistan|pakistani|islamabad",
    "Mexico": "mexico|mexican",
    "Brazil": "brazil|brazilian",
    "European Union": "european union|eu|brussels",
    "United Nations": "united nations|un",
}

_CITIES: dict[str, str] = {
    "beijing": "China",
    "shanghai": "China",
    "hong kong": "China",
    "bangkok": "Thailand",
    "vientiane": "Laos",
    "hanoi": "Vietnam",
    "osaka": "Japan",
    "hiroshima": "Japan",
    "busan": "South Korea",
    "bali": "Indonesia",
    "geneva": "Switzerland",
    "davos": "Switzerland",
    "rome": "Italy",
    "madrid": "Spain",
    "istanbul": "Turkey",
    "riyadh": "Saudi Arabia",
    "jeddah": "Saudi Arabia",
    "doha": "Qatar",
    "cairo": "Egypt",
    "jerusalem": "Israel",
    "tel aviv": "Israel",
    "delhi": "India",
    "sydney": "Australia",
    "anchorage": "United States",
    "woodside": "United States",
    "san francisco": "United States",
    "new york": "United States",
    "honolulu": "United States",
    "camp david": "United States",
}

_US_STATES = (
    "alabama|alaska|arizona|ariz|arkansas|california|calif|colorado|colo|connecticut|conn|"
    "delaware|florida|fla|georgia|hawaii|idaho|illinois|indiana|iowa|kansas|kentucky|"
    "louisiana|maine|maryland|massachusetts|mass|michigan|mich|minnesota|minn|mississippi|"
    "missouri|montana|nebraska|nevada|new hampshire|new jersey|new mexico|north carolina|"
    "north dakota|ohio|oklahoma|okla|oregon|pennsylvania|rhode island|south carolina|"
    "south dakota|tennessee|tenn|texas|utah|vermont|virginia|west virginia|wisconsin|wis|"
    "wyoming|dc|district of columbia"
)
_STATE_FULL = {"ariz": "arizona", "calif": "california", "colo": "colorado", "conn": "connecticut"}
_STATE_FULL |= {"fla": "florida", "mass": "massachusetts", "mich": "michigan", "minn": "minnesota"}
_STATE_FULL |= {"okla": "oklahoma", "tenn": "tennessee", "wis": "wisconsin"}

# Words that say where nothing is: a call or a video meeting has no place.
_NOWHERE = word_set("virtual online video videoconference phone telephone remote remotely")
_LOCATION_STOP = word_set("a and the of in at on near city province state county")


def _alias_table() -> dict[tuple[str, ...], str]:
    table: dict[tuple[str, ...], str] = {}
    for country, aliases in _COUNTRIES.items():
        for alias in aliases.split("|"):
            table[tuple(alias.split())] = country
    return table


_ALIASES = _alias_table()
_CITY_KEYS = {tuple(name.split()): country for name, country in _CITIES.items()}
_STATE_KEYS = {tuple(name.split()) for name in _US_STATES.split("|")}
_MAX_PHRASE = 5


@dataclass(frozen=True)
class Affiliation:
    """A normalised affiliation: ``key`` compares, ``country`` is set for known countries."""

    key: str
    country: str | None
    display: str


@lru_cache(maxsize=8192)
def country_of(text: str) -> str | None:
    """The canonical country a whole phrase names ("U.S." -> "United States"), else None."""
    toks = tuple(w for w in words(text) if w != "the")
    return _ALIASES.get(toks)


@lru_cache(maxsize=8192)
def leading_country(text: str) -> tuple[str | None, list[str]]:
    """Split a leading country phrase off ("US National Security Advisor")."""
    toks = words(text)
    if toks and toks[0] == "the":
        toks = toks[1:]
    for size in range(min(_MAX_PHRASE, len(toks)), 0, -1):
        country = _ALIASES.get(tuple(toks[:size]))
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


# Capitals are country aliases (for affiliations) but also places of their own.
_CAPITALS = {
    "washington": "United States",
    "beijing": "China",
    "seoul": "South Korea",
    "pyongyang": "North Korea",
    "tokyo": "Japan",
    "taipei": "Taiwan",
    "moscow": "Russia",
    "kyiv": "Ukraine",
    "london": "United Kingdom",
    "paris": "France",
    "berlin": "Germany",
    "canberra": "Australia",
    "ottawa": "Canada",
    "manila": "Philippines",
    "jakarta": "Indonesia",
    "tehran": "Iran",
    "ankara": "Turkey",
    "islamabad": "Pakistan",
    "brussels": "European Union",
}


def _place_tokens(phrase: tuple[str, ...]) -> tuple[str, ...] | None:
    """The key tokens one phrase contributes, or None when it is not a known name."""
    if len(phrase) == 1 and phrase[0] in _CAPITALS:
        return (phrase[0], "#" + _CAPITALS[phrase[0]])
    country = _ALIASES.get(phrase)
    if country is not None:
        return ("#" + country,)
    if phrase in _CITY_KEYS:
        return (" ".join(phrase), "#" + _CITY_KEYS[phrase])
    if phrase in _STATE_KEYS:
        return (_STATE_FULL.get(phrase[0], " ".join(phrase)), "#United States")
    return None


@lru_cache(maxsize=16384)
def location_key(raw: str | None) -> frozenset[str] | None:
    """Words of a place, countries canonical, with the country of known cities added.

    "Beijing" and "Beijing, China" get the same key; "Woodside, Calif." contains the key
    of "California". ``None`` when the text names no place ("virtual").
    """
    if raw is None:
        return None
    toks = [w for w in words(raw) if w not in _LOCATION_STOP]
    out: set[str] = set()
    i = 0
    while i < len(toks):
        for size in range(min(_MAX_PHRASE, len(toks) - i), 0, -1):
            found = _place_tokens(tuple(toks[i : i + size]))
            if found is not None:
                out.update(found)
                break
        else:
            size = 1
            if toks[i] not in _NOWHERE:
                out.add(toks[i])
        i += size
    return frozenset(out) if out else None


def locations_compatible(a: frozenset[str], b: frozenset[str]) -> bool:
    """Compatible when one place contains the other: "China" and "Beijing, China"."""
    return a <= b or b <= a


def location_specificity(raw: str) -> tuple[int, int]:
    """How specific a place string is: more key words first, then more characters."""
    key = location_key(raw)
    return (len(key) if key else 0, len(raw.strip()))
