"""Time the queue's search over 100,000 reports of one organisation.

Seeds real encrypted reports (bench/queue.py's seeding) whose stories are of realistic length
(200 to 2,000 characters of Spanish), a fifth with a note and a tenth with a reporter's reply,
and each case's search text as a staff login writes it. A logged-in moderator then searches
through the real view (a POST): two rare words that only 20 cases hold (every case is read),
the same with filters, and two common words (the first page fills at once). Prints the median
of several runs, the peak memory of one search (tracemalloc), and how fast a login writes the
search texts of cases that have none (`search.service.index_missing`).

    python bench/search.py                      # SQLite in a temporary folder
    python bench/search.py --database-url postgresql+psycopg://root@127.0.0.1:5432/test
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[:] = [str(Path(__file__).resolve().parents[1])] + [
    entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent
]

import argparse
import importlib.util
import random
import re
import statistics
import tempfile
import time
import tracemalloc
import uuid
from typing import Any

from sqlalchemy import delete, select

from reporter import create_app, crypto
from reporter.crypto import contexts
from reporter.db import engine_of, new_session
from reporter.orgs.keyring import Keyring
from reporter.orgs.models import Organisation
from reporter.reports.models import Case
from reporter.search.models import CaseSearchText
from reporter.search.service import index_missing
from reporter.search.text import compose, key_token
from reporter.settings import load_settings

WORDS = [
    "el",
    "la",
    "los",
    "las",
    "un",
    "una",
    "de",
    "del",
    "en",
    "con",
    "sin",
    "por",
    "para",
    "que",
    "y",
    "o",
    "pero",
    "porque",
    "cuando",
    "donde",
    "como",
    "policía",
    "policías",
    "agente",
    "agentes",
    "oficial",
    "oficiales",
    "patrulla",
    "estación",
    "comisaría",
    "calle",
    "barrio",
    "plaza",
    "parque",
    "esquina",
    "noche",
    "mañana",
    "tarde",
    "día",
    "semana",
    "mes",
    "ayer",
    "hoy",
    "me",
    "nos",
    "les",
    "lo",
    "le",
    "su",
    "sus",
    "quitaron",
    "llevaron",
    "pidieron",
    "dinero",
    "golpearon",
    "amenazaron",
    "detuvieron",
    "insultaron",
    "empujaron",
    "registraron",
    "revisaron",
    "encontraron",
    "dijeron",
    "gritaron",
    "pegaron",
    "cobraron",
    "soltaron",
    "metieron",
    "celda",
    "horas",
    "documentos",
    "cédula",
    "teléfono",
    "mochila",
    "bolsa",
    "ropa",
    "zapatos",
    "condones",
    "pipa",
    "kit",
    "metadona",
    "tratamiento",
    "clínica",
    "hospital",
    "médico",
    "enfermera",
    "centro",
    "salud",
    "receta",
    "dosis",
    "compañera",
    "compañero",
    "amiga",
    "amigo",
    "hermana",
    "vecino",
    "cliente",
    "clientes",
    "trabajo",
    "esquina",
    "hotel",
    "miedo",
    "dolor",
    "golpe",
    "golpes",
    "sangre",
    "brazo",
    "cara",
    "pierna",
    "espalda",
    "herida",
    "denuncia",
    "abogado",
    "defensoría",
    "fiscalía",
    "juez",
    "multa",
    "papel",
    "firma",
    "nadie",
    "nunca",
    "siempre",
    "otra",
    "vez",
    "varias",
    "veces",
    "porque",
    "pasó",
    "pasaron",
    "fuimos",
    "estaba",
    "estábamos",
    "estaban",
    "iba",
    "íbamos",
    "llegó",
    "llegaron",
    "salí",
    "grande",
    "pequeño",
    "viejo",
    "joven",
    "mujer",
    "hombre",
    "trans",
    "gente",
    "persona",
    "personas",
    "uso",
    "usar",
    "consumo",
]
RARE = ("Medellín", "jeringas")
NARRATIVE_RANGE = (200, 2000)


def _queue_bench() -> Any:
    """bench/queue.py, loaded by path: its name would shadow the standard library's queue."""
    spec = importlib.util.spec_from_file_location(
        "queue_bench", Path(__file__).with_name("queue.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["queue_bench"] = module
    spec.loader.exec_module(module)
    return module


def _prose(rng: random.Random, low: int, high: int) -> str:
    length = rng.randint(low, high)
    words: list[str] = []
    size = 0
    while size < length:
        word = rng.choice(WORDS)
        words.append(word)
        size += len(word) + 1
    return " ".join(words).capitalize() + "."


class SearchTexts:
    """Each seeded case's search text, as a login writes it: its story, a note for a fifth of
    the cases, a reply for a tenth; the rare words in 20 cases, one of them in 100 more."""

    def __init__(self, count: int) -> None:
        self.rng = random.Random(7)
        self.key: bytes | None = None
        self.number = 0
        picks = random.Random(11).sample(range(count), 120)
        self.both, self.one = set(picks[:20]), set(picks[20:])

    def narrative(self, rng: random.Random) -> str:
        story = _prose(rng, *NARRATIVE_RANGE)
        if self.number in self.both:
            story += f" Fue en {RARE[0]}, se llevaron las {RARE[1]}."
        elif self.number in self.one:
            story += f" Fue en {RARE[0]}."
        self.number += 1
        return story

    def row(
        self, organisation: Organisation, private_key: bytes, report_id: uuid.UUID, content: Any
    ) -> dict[str, Any]:
        if self.key is None:
            self.key = crypto.search_key(private_key)  # every seeded case is on version 1
        free = [content["narrative"]]
        if self.rng.random() < 0.2:
            free.append(_prose(self.rng, 80, 400))
        if self.rng.random() < 0.1:
            free.append(_prose(self.rng, 40, 300))
        keys = [key_token("v", v) for v in content["violations"]]
        keys += [key_token("c", content["country"]), key_token("p", "police")]
        keys += [key_token("l", content["location_type"])]
        return {
            "report_id": report_id,
            "organisation_id": organisation.id,
            "body": crypto.encrypt_record(
                self.key, compose(free, keys), contexts.search_text(report_id, organisation.id)
            ),
        }


def _search(client: Any, words: str, filters: dict[str, str]) -> tuple[float, str]:
    page = client.get("/staff/queue").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    started = time.perf_counter()
    response = client.post("/staff/queue", data={"csrf_token": token, "words": words, **filters})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.status_code
    return elapsed, response.get_data(as_text=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--index-sample", type=int, default=2000)
    options = parser.parse_args()
    queue_bench = _queue_bench()
    folder = Path(tempfile.mkdtemp(prefix="reporter-bench-"))
    overrides: dict[str, Any] = {
        **queue_bench.FAST,
        "instance_path": str(folder),
        "login_rate_limit": "1000 per minute",
        "search_index_seconds": 0.0,
    }
    if options.database_url:
        overrides["database_url"] = options.database_url
    app = create_app(load_settings(environ={}, **overrides))
    queue_bench._reset(app)
    texts = SearchTexts(options.reports)
    started = time.perf_counter()
    organisation_id, private_key, _ = queue_bench._seed(
        app, options.reports, texts.narrative, (CaseSearchText, texts.row)
    )
    print(f"database: {engine_of(app).dialect.name}; {options.reports} reports")
    print(f"seeded in {time.perf_counter() - started:.1f} s")
    client = queue_bench._login(app, organisation_id, private_key)

    rare = " ".join(word.lower().replace("í", "i") for word in RARE)
    cases = [
        ("two rare words, every case read", rare, {}),
        ("the same, status new and country Brazil", rare, {"status": "new", "country": "BR"}),
        ("the same, closed cases only", rare, {"status": "closed"}),
        ("two common words (a page at once)", "policía calle", {}),
    ]
    for label, words, filters in cases:
        _search(client, words, filters)  # warm
        timings = []
        for _ in range(options.repeats):
            elapsed, page = _search(client, words, filters)
            timings.append(elapsed)
        found = len(re.findall(r'href="/staff/cases/', page))
        stopped = "stopped to save time" in page
        print(
            f"{label}: median {statistics.median(timings):.2f} s "
            f"(min {min(timings):.2f}, max {max(timings):.2f}); {found} shown"
            + ("; STOPPED at the time budget" if stopped else "")
        )
    tracemalloc.start()
    _search(client, rare, {})
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak memory allocated during one full search: {peak / 2**20:.1f} MiB")

    session = new_session(app)
    try:
        organisation = session.get_one(Organisation, organisation_id)
        newest = session.scalars(
            select(Case.report_id)
            .where(Case.organisation_id == organisation_id)
            .order_by(Case.received_on.desc())
            .limit(options.index_sample)
        ).all()
        session.execute(delete(CaseSearchText).where(CaseSearchText.report_id.in_(newest)))
        session.commit()
        keyring = Keyring(organisation, {1: private_key})
        started = time.perf_counter()
        written = index_missing(session, keyring, 600.0)
        elapsed = time.perf_counter() - started
        session.commit()
    finally:
        session.close()
    print(
        f"a login writes search texts at {written / elapsed:.0f} cases/s "
        f"({written} in {elapsed:.1f} s)"
    )
    engine_of(app).dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
