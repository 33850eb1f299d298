"""Synthetic articles for the digest tests, and a chat-server responder that answers them.

The articles are written here (not scraped): each names two people, a city and a day,
so that its extraction is a distinct event. The responder reads the article back out
of the prompt and answers with that event, quoting the article's first sentence.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.chat_server import Action, Answer, HttpError, RecordedRequest

CITIES = ["Geneva", "Oslo", "Nairobi", "Lima", "Hanoi", "Doha", "Rabat", "Quito", "Minsk", "Accra"]
PEOPLE = [
    ("Amara Okafor", "Lena Virtanen"),
    ("Tomas Novak", "Priya Raman"),
    ("Jonas Berg", "Keiko Sato"),
    ("Rafael Ortiz", "Mei Lin"),
    ("Ana Costa", "Omar Haddad"),
    ("Ivan Petrov", "Sara Nilsson"),
    ("Luis Mendes", "Aiko Mori"),
    ("Elena Rossi", "Kwame Mensah"),
    ("Noah Weber", "Fatima Zahra"),
    ("Marta Silva", "David Cohen"),
]
_LINE = re.compile(
    r"^(?P<a>[A-Z]\w+ \w+) met (?P<b>[A-Z]\w+ \w+) in (?P<city>\w+) on (?P<day>[\d-]+)\."
)


def article_text(i: int) -> str:
    a, b = PEOPLE[i % len(PEOPLE)]
    city = CITIES[i % len(CITIES)]
    day = f"2026-11-{(i % 28) + 1:02d}"
    return (
        f"{a} met {b} in {city} on {day}.\n\n"
        f"The two officials discussed trade and security during talks that lasted {i + 2} hours. "
        "Both sides described the meeting as constructive and agreed to meet again.\n"
    )


def write_articles(folder: Path, indices: range) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in indices:
        path = folder / f"article-{i:02d}.txt"
        path.write_text(article_text(i), encoding="utf-8")
        paths.append(path)
    return paths


def extraction_for(text: str) -> dict[str, object] | None:
    for line in text.splitlines():
        match = _LINE.match(line.strip())
        if match:
            sentence = match.group(0)
            person = {"role": None, "affiliation": None, "evidence": sentence}
            return {
                "headline": None,
                "events": [
                    {
                        "title": f"{match['a']}-{match['b']} talks in {match['city']}",
                        "kind": "talks",
                        "status": "held",
                        "prominence": "primary",
                        "date_text": match["day"],
                        "start_date": match["day"],
                        "end_date": None,
                        "location": match["city"],
                        "participants": [
                            {"name": match["a"], **person},
                            {"name": match["b"], **person},
                        ],
                        "agenda": [],
                        "outcomes": [],
                        "evidence": sentence,
                    }
                ],
            }
    return None


def responder(request: RecordedRequest) -> Action:
    answer = extraction_for(request.user_text)
    if answer is None:
        return HttpError(400, "no article this responder knows", type="invalid_request_error")
    return Answer(json.dumps(answer), prompt_tokens=400, completion_tokens=120)
