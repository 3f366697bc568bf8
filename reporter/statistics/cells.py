"""What a case adds to the statistics (its cells), how that is written inside its encrypted
record, and every opened record of an organisation as arrays, which the tables are added up from.

A cell is (country, region, year-month, violation, perpetrator, population, measure) -> count.
A record holds its cells compactly: the format byte 2, the length of a table of the distinct
values (UTF-8, one per line), then each cell as seven little-endian 16-bit numbers (six places in
that table and the measure's place in `MEASURES`), then the cells' counts as 32-bit numbers.
Records written before this format are a JSON list of `[*cell, count]` and are still read.

Opening 100,000 records is a loop that only slices bytes; everything after it is done over one
array for all of them (`CellArrays`), not cell by cell in Python.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import orjson

# A cell: (country, region, year-month, violation, perpetrator, population, measure).
Cell = tuple[str, ...]

NO_VALUE = ""

# What a cell counts (its last element).
ACTS = "acts"  # acts, each once, under its first (perpetrator, population) pair
COMBINATIONS = "combinations"  # (act, perpetrator, population) triples
BY_PERPETRATOR = "by_perpetrator"  # (act, perpetrator) pairs; population left empty
BY_POPULATION = "by_population"  # (act, population) pairs; perpetrator left empty
# Their order is part of the stored format: a record names a measure by its place here.
MEASURES = (ACTS, COMBINATIONS, BY_PERPETRATOR, BY_POPULATION)
_MEASURE_CODES = {measure: code for code, measure in enumerate(MEASURES)}

PLACES = 6  # the values of a cell before its measure
_FORMAT = 2
_HEADER = 3  # the format byte and the length of the table of values
_INDEX = np.dtype("<u2")
_COUNT = np.dtype("<u4")
_CELL_BYTES = (PLACES + 1) * _INDEX.itemsize + _COUNT.itemsize


def encode(counts: Counter[Cell]) -> bytes:
    """A contribution's cells as the bytes sealed in its record."""
    cells = sorted((cell, amount) for cell, amount in counts.items() if amount)
    values = sorted({value for cell, _amount in cells for value in cell[:PLACES]})
    if any("\n" in value for value in values):
        raise ValueError("a value of a cell holds a line break")
    place = {value: number for number, value in enumerate(values)}
    table = "\n".join(values).encode("utf-8")
    if len(table) >= 1 << 16 or len(values) >= 1 << 16:
        raise ValueError("too many values in one contribution")
    indices = np.array(
        [
            [place[value] for value in cell[:PLACES]] + [_MEASURE_CODES[cell[PLACES]]]
            for cell, _ in cells
        ],
        dtype=_INDEX,
    ).reshape(-1, PLACES + 1)
    amounts = np.array([amount for _cell, amount in cells], dtype=_COUNT)
    return (
        bytes([_FORMAT])
        + len(table).to_bytes(2, "big")
        + table
        + indices.tobytes()
        + amounts.tobytes()
    )


def _parts(data: bytes) -> tuple[list[str], bytes, bytes]:
    """A record's table of values, its cells' places and their counts (as bytes)."""
    if data[:1] != bytes([_FORMAT]):
        return _parts(encode(_from_json(data)))
    length = int.from_bytes(data[1:_HEADER], "big")
    values = data[_HEADER : _HEADER + length].decode("utf-8").split("\n")
    cells = data[_HEADER + length :]
    split = len(cells) // _CELL_BYTES * (PLACES + 1) * _INDEX.itemsize
    return values, cells[:split], cells[split:]


def _from_json(data: bytes) -> Counter[Cell]:
    # Authenticated by the AEAD, so well formed.
    return Counter({tuple(row[:-1]): row[-1] for row in orjson.loads(data)})


def decode(data: bytes, measures: frozenset[str] | None = None) -> Counter[Cell]:
    """A record's cells; only those of `measures` when given."""
    if data[:1] != bytes([_FORMAT]):
        cells = _from_json(data)
    else:
        values, places, counts = _parts(data)
        indices = np.frombuffer(places, dtype=_INDEX).reshape(-1, PLACES + 1).tolist()
        amounts = np.frombuffer(counts, dtype=_COUNT).tolist()
        cells = Counter(
            {
                (*(values[number] for number in row[:PLACES]), MEASURES[row[PLACES]]): amount
                for row, amount in zip(indices, amounts, strict=True)
            }
        )
    if measures is None:
        return cells
    return Counter({cell: amount for cell, amount in cells.items() if cell[PLACES] in measures})


IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class CellArrays:
    """Every cell of many contributions: `values[places[n, k]]` is the k-th value of cell n,
    `MEASURES[measures[n]]` its measure, `counts[n]` its count and `owners[n]` the number of
    the contribution (of the case) it belongs to."""

    values: list[str]
    places: IntArray  # cells x PLACES
    measures: IntArray
    counts: IntArray
    owners: IntArray
    contributions: int

    @staticmethod
    def of(contributions: Iterable[Counter[Cell]]) -> CellArrays:
        collector = Collector()
        for contribution in contributions:
            collector.add(encode(contribution))
        return collector.arrays()

    def value_id(self, value: str) -> int:
        """The number of a value, or -1 when no cell holds it."""
        try:
            return self.values.index(value)
        except ValueError:
            return -1


class Collector:
    """Gathers opened records, then makes their `CellArrays` in one go."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._mapping: list[int] = []  # each record's values, as numbers shared by all records
        self._bases: list[int] = []
        self._sizes: list[int] = []
        self._places: list[bytes] = []
        self._counts: list[bytes] = []

    def add(self, data: bytes) -> None:
        """One record's plaintext."""
        values, places, counts = _parts(data)
        ids = self._ids
        self._bases.append(len(self._mapping))
        self._mapping.extend([ids.setdefault(value, len(ids)) for value in values])
        self._sizes.append(len(counts) // _COUNT.itemsize)
        self._places.append(places)
        self._counts.append(counts)

    def arrays(self) -> CellArrays:
        sizes = np.array(self._sizes, dtype=np.int64)
        indices = np.frombuffer(b"".join(self._places), dtype=_INDEX).reshape(-1, PLACES + 1)
        bases = np.repeat(np.array(self._bases, dtype=np.int64), sizes)
        mapping = np.array(self._mapping, dtype=np.int64)
        return CellArrays(
            values=list(self._ids),
            places=mapping[indices[:, :PLACES].astype(np.int64) + bases[:, None]],
            measures=indices[:, PLACES].astype(np.int64),
            counts=np.frombuffer(b"".join(self._counts), dtype=_COUNT).astype(np.int64),
            owners=np.repeat(np.arange(len(sizes), dtype=np.int64), sizes),
            contributions=len(sizes),
        )
