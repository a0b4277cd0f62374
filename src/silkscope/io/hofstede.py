"""Reading Hofstede's published six-dimension scores (geerthofstede.com "Dimension data matrix").

The file ``6-dimensions-for-website-2015-08-16.csv`` is semicolon-separated with the header
``ctr;country;pdi;idv;mas;uai;ltowvs;ivr`` and ``#NULL!`` for a missing score. Its ``ctr`` codes are
Hofstede's own, not ISO3 (CHI = China, GER = Germany, MNG = Montenegro), so rows are mapped to ISO3
by country *name* (country_converter plus the explicit overrides below). Regions and sub-national
groups ("Africa East", "Arab countries", "Belgium French", "Germany East", ...) map to no country;
they are returned in ``unmapped`` with the reason, never dropped silently.

Scores above 100 (GRE uai 112) and 0 (PAK ivr) are real values and kept as published. Scores are
checked against :data:`SCORE_RANGE` (0-120): the scale is nominally 0-100, but the published
scores were extended to new countries by regression and a few exceed 100 (the 2015-08-16 release
has GRE uai 112, SLK mas 110, MAL pdi 104, SLK pdi 104, POR uai 104, GUA uai 101; Hofstede,
Hofstede & Minkov 2010 print the same); 120 leaves room for such scores while a negative score, a
value in thousands or a misplaced decimal (1120 for 112.0) is refused.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from silkscope.errors import InputError, Problem

#: Accepted score range, inclusive (see the module docstring for why 120, not 100).
SCORE_RANGE = (0.0, 120.0)
DIMENSIONS = ("pdi", "idv", "mas", "uai", "ltowvs", "ivr")
COLUMNS = ("ctr", "country", *DIMENSIONS)
DIMENSION_NAMES = {
    "pdi": "power distance",
    "idv": "individualism",
    "mas": "masculinity",
    "uai": "uncertainty avoidance",
    "ltowvs": "long-term orientation",
    "ivr": "indulgence",
}

# Names checked by hand against the 2015-08-16 release; these win over country_converter so that a
# change in its regular expressions cannot re-map them.
NAME_OVERRIDES: dict[str, str] = {
    "China": "CHN",
    "Korea South": "KOR",
    "U.S.A.": "USA",
    "Great Britain": "GBR",
    "Macedonia Rep": "MKD",
    "Bosnia": "BIH",
    "Czech Rep": "CZE",
    "Slovak Rep": "SVK",
    "Kyrgyz Rep": "KGZ",
    "Hong Kong": "HKG",
    "Taiwan": "TWN",
    "Montenegro": "MNE",  # Hofstede's code MNG is Mongolia's ISO3; the row is Montenegro
    "Russia": "RUS",
    "Iran": "IRN",
    "Vietnam": "VNM",
    "Moldova": "MDA",
    "Tanzania": "TZA",
}
# Rows that are not one country: mapping them by name would wrongly give e.g. 'Germany East' -> DEU.
NOT_COUNTRIES: dict[str, str] = {
    "Africa East": "regional aggregate",
    "Africa West": "regional aggregate",
    "Arab countries": "regional aggregate",
    "Belgium French": "sub-national group (the country row is 'Belgium')",
    "Belgium Netherl": "sub-national group (the country row is 'Belgium')",
    "Canada French": "sub-national group (the country row is 'Canada')",
    "Germany East": "sub-national group (the country row is 'Germany')",
    "South Africa white": "sub-national group (the country row is 'South Africa')",
    "Switzerland French": "sub-national group (the country row is 'Switzerland')",
    "Switzerland German": "sub-national group (the country row is 'Switzerland')",
}


@dataclass(frozen=True)
class HofstedeTable:
    """Scores per ISO3 country and the file rows that map to no country."""

    scores: pd.DataFrame  # country (ISO3), name, pdi, idv, mas, uai, ltowvs, ivr (NaN = missing), ctr
    unmapped: pd.DataFrame  # row, ctr, name, reason
    file: str

    def to_frame(self) -> pd.DataFrame:
        """The scores ``country, name, pdi, idv, mas, uai, ltowvs, ivr`` and Hofstede's own code ``ctr``."""
        return self.scores.copy()

    def summary(self) -> str:
        """One line: how many countries, how many complete, which rows were not mapped."""
        complete = int(self.scores[list(DIMENSIONS)].notna().all(axis=1).sum())
        text = (
            f"Hofstede scores from {self.file}: {len(self.scores)} countries "
            f"({complete} with all six dimensions)"
        )
        if len(self.unmapped):
            text += f"; {len(self.unmapped)} rows not a country: " + ", ".join(self.unmapped["name"])
        return text


def read_hofstede(path: str | Path, encoding: str | None = None) -> HofstedeTable:
    """Read the Hofstede six-dimension CSV into ISO3-keyed scores (Hofstede, Hofstede & Minkov 2010)."""
    from silkscope.io.tables import decode, parse_number

    path = Path(path)
    if not path.is_file():
        raise InputError(f"file not found: {path}")
    text = decode(path.read_bytes(), path, encoding)
    lines = text.splitlines()
    first = next((k for k, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise InputError("the file is empty", file=path)
    header_line = lines[first]
    if ";" not in header_line:
        found = next((d for d in (",", "\t") if header_line.count(d) >= len(COLUMNS) - 1), None)
        what = {",": "commas", "\t": "tabs"}.get(found or "", "no semicolons")
        raise InputError(
            f"the header is separated by {what}, not semicolons: '{header_line.strip()[:80]}'",
            file=path,
            row=first + 1,
            hint="use the published file as is (ctr;country;pdi;idv;mas;uai;ltowvs;ivr), "
            "or save it again with ';' as the separator",
        )
    try:
        header = [c.strip().lower() for c in next(csv.reader([header_line], delimiter=";"))]
    except csv.Error as exc:
        raise InputError(f"the header cannot be read as CSV: {exc}", file=path, row=first + 1) from None
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)}; the header is {';'.join(header)}",
            file=path,
            row=first + 1,
            hint="the Hofstede file has the columns ctr;country;pdi;idv;mas;uai;ltowvs;ivr",
        )
    where = {c: header.index(c) for c in COLUMNS}
    problems: list[Problem] = []
    records = []
    for k, line in enumerate(lines[first + 1 :], start=first + 2):
        if not line.strip():
            continue
        try:
            cells = [c.strip() for c in next(csv.reader([line], delimiter=";"))]
        except csv.Error as exc:  # a field over the csv module's 131,072 characters, a NUL byte
            problems.append(Problem(f"cannot be read as CSV: {exc}", path.name, k, None))
            continue
        if len(cells) != len(header):
            problems.append(Problem(f"{len(cells)} fields, the header has {len(header)}", path.name, k, None))
            continue
        record: dict[str, object] = {"row": k, "ctr": cells[where["ctr"]], "name": cells[where["country"]]}
        for dim in DIMENSIONS:
            cell = cells[where[dim]]
            try:
                value = parse_number(cell)
            except ValueError:
                problems.append(
                    Problem(f"'{cell}' is not a score (a number, or #NULL! for missing)", path.name, k, dim)
                )
                value = None
            else:
                low, high = SCORE_RANGE
                if value is not None and not low <= value <= high:
                    problems.append(
                        Problem(
                            f"score {cell} is outside {low:g}-{high:g} (Hofstede's scale is 0-100; "
                            f"a few published scores reach 112)",
                            path.name,
                            k,
                            dim,
                        )
                    )
            record[dim] = float("nan") if value is None else value
        records.append(record)
    if problems:
        raise InputError(problems, hint="fix the cells listed above; nothing was read")
    if not records:
        raise InputError("the file has a header but no data rows", file=path)
    frame = pd.DataFrame(records)
    frame["country"] = map_names(frame["name"])
    unmapped_mask = frame["country"].isna()
    unmapped = frame.loc[unmapped_mask, ["row", "ctr", "name"]].copy()
    unmapped["reason"] = [
        NOT_COUNTRIES.get(name, "name not recognised as a country") for name in unmapped["name"]
    ]
    scores = frame.loc[~unmapped_mask, ["country", "name", *DIMENSIONS, "ctr"]]
    repeated = scores["country"].duplicated(keep=False)
    if repeated.any():
        clash = frame.loc[~unmapped_mask][repeated.to_numpy()]
        raise InputError(
            [
                Problem(f"'{r.name}' maps to {r.country}, like another row", path.name, int(r.row), "country")
                for r in clash.itertuples()
            ],
            hint="two rows map to the same ISO3 country; keep one of them",
        )
    return HofstedeTable(scores.reset_index(drop=True), unmapped.reset_index(drop=True), path.name)


def map_names(names: pd.Series) -> pd.Series:
    """ISO3 for Hofstede's country names (overrides first, then country_converter); None if none."""
    import logging

    import country_converter as coco

    from silkscope.reference import iso3_codes

    logging.getLogger("country_converter").setLevel(logging.ERROR)
    known = iso3_codes()
    todo = [n for n in dict.fromkeys(names) if n not in NAME_OVERRIDES and n not in NOT_COUNTRIES]
    converted = coco.convert(todo, to="ISO3", not_found=None) if todo else []
    converted = [converted] if isinstance(converted, str) else list(converted)
    mapping: dict[str, str | None] = {
        n: (c if c in known else None) for n, c in zip(todo, converted, strict=True)
    }
    mapping.update(NAME_OVERRIDES)
    mapping.update(dict.fromkeys(NOT_COUNTRIES))
    return names.map(mapping)
