"""Regenerate the packaged UNESCO FCS 2009 cultural-goods tables from the shared source files.

Writes ``src/silkscope/reference/cultural_goods.csv`` (Table 3 of the 2009 UNESCO Framework for
Cultural Statistics in HS 2007, one row per code and domain) and
``src/silkscope/reference/cultural_goods_hs_revisions.csv`` (each of those rows mapped to HS 1992,
1996, 2002, 2012, 2017 and 2022 through the UNSD correlation tables). Reads, at build time only,
``$SILKSCOPE_SHARED_DATA/unesco_fcs2009/`` and ``$SILKSCOPE_SHARED_DATA/hs_correlation/`` (see
their PROVENANCE.md); the product reads only the two CSV files it writes.

Rules (why: cultural_goods_NOTES.md):
* the two printed typos 834316/834317 become 844316/844317 (their printed descriptions are those of
  HS 2007 8443.16/8443.17), ``printed_code`` keeps what the page shows;
* the six 4-digit headings (3702, 3703, 8527, 8528, 9006, 9007) are expanded to their HS 2007
  subheadings (UN Comtrade H3 list), each marked ``expanded from heading NNNN``;
* ``conversion`` = yes where the pair is also in UNSD's conversion table (one code per code, the
  table UNSD gives for converting data); ``selected`` = the pair is a conversion pair, or its HS 2007
  code has none in that revision (then its links within its heading, else chapter, are kept): ``--products cultural`` uses these;
* relationship is UNSD's, written HS 2007 first (``1:n`` = one HS 2007 code, several targets);
  ``partial`` = the target code is linked to other HS 2007 codes too, i.e. it also covers goods
  outside the source code; ``also_covers_n`` counts them and ``also_covers_hs07`` lists up to 12;

Usage: ``python scripts/build_cultural_goods.py [--check]`` (``--check`` writes nothing and exits 1
when the packaged files differ from what the sources give).
"""

from __future__ import annotations

import json
import os
import sys
from functools import cache
from pathlib import Path

import pandas as pd

from silkscope.reference.cultural_goods import COLUMNS, MAPPED_COLUMNS, OPTIONAL_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "src" / "silkscope" / "reference"
GOODS = REFERENCE / "cultural_goods.csv"
MAPPING = REFERENCE / "cultural_goods_hs_revisions.csv"

SCHEME = "unesco_fcs_2009"
SOURCE = (
    "UNESCO Institute for Statistics (2009), The 2009 UNESCO Framework for Cultural Statistics (FCS), "
    "Montreal, ISBN 978-92-9189-075-0, Section 5, Table 3"
)
CATEGORY = {
    "core cultural goods (domains A-F)": "core",
    "equipment and supporting materials of cultural goods": "equipment",
    "equipment and supporting materials of related goods (domains G-H)": "related",
}
# domain names as printed in the FCS (p. 23 and Table 3); Chinese: see cultural_goods_NOTES.md
DOMAIN_ZH = {
    "A": "文化和自然遗产",
    "B": "表演和庆祝活动",
    "C": "视觉艺术和手工艺",
    "D": "书籍和报刊",
    "E": "音像和交互媒体",
    "F": "设计和创意服务",
    "G": "旅游",
    "H": "体育和娱乐",
}
TYPOS = {"834316": "844316", "834317": "844317"}
# FCS 2009 p. 51: "Codes in italics and with a star should be considered for use only if a
# distinction can be made between cultural and non-cultural activities" (Table 3 prints 701890 so)
ITALIC = ", in italics (p. 51: only where cultural and non-cultural activity can be told apart)"
GOODS_COLUMNS = [*COLUMNS, *OPTIONAL_COLUMNS]  # the loader's columns, one definition
MAPPING_COLUMNS = list(MAPPED_COLUMNS)  # the loader's column order, one definition

# target revision -> (UNSD file, correlation sheet, conversion sheet, is HS 2007 the left column)
CORRELATIONS = {
    "HS92": (
        "HS_2007_to_HS_1992_Correlation_and_conversion_tables.xls",
        "Correlation Tables",
        "Conversion Tables",
        True,
    ),
    "HS96": (
        "HS_2007_to_HS_1996_Correlation_and_conversion_tables.xls",
        "Correlation Tables",
        "Conversion Tables",
        True,
    ),
    "HS02": (
        "HS_2007_to_HS_2002_Correlation_and_conversion_tables.xls",
        "Correlation Tables",
        "Conversion Tables",
        True,
    ),
    "HS12": (
        "HS_2012_to_HS_2007_Correlation_and_conversion_tables.xls",
        "Correlation HS2012-HS2007",
        "Conversion HS12-HS07",
        False,
    ),
    "HS17": (
        "HS2017toHS2007ConversionAndCorrelationTables.xlsx",
        "Correlation HS17-HS07",
        "Conversion HS17-HS07",
        False,
    ),
    "HS22": (
        "HS2022toHS2007ConversionAndCorrelationTables.xlsx",
        "HS2022-HS2007 Correlations",
        "HS2022-HS2007 Conversions",
        False,
    ),
}
ALSO_COVERS_LISTED = 12  # other HS 2007 codes listed per link (all are counted)
# UN Comtrade code lists shipped with the correlation tables
CODE_LISTS = {
    "HS92": "classificationH0.json",
    "HS07": "classificationH3.json",
    "HS17": "classificationH5.json",
}


def shared() -> Path:
    return Path(os.environ.get("SILKSCOPE_SHARED_DATA", ROOT.parent / "shared" / "data"))


def _six(series: pd.Series) -> pd.Series:
    text = series.astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
    return text.where(text.str.len() >= 6, text.str.zfill(6))


@cache
def code_list(revision: str) -> dict[str, str]:
    """{hs6: text} of a UN Comtrade code list (H0, H3, H5)."""
    results = json.loads((shared() / "hs_correlation" / CODE_LISTS[revision]).read_text("utf-8"))["results"]
    return {
        r["id"]: r["text"].split(" - ", 1)[-1] for r in results if len(r["id"]) == 6 and r["id"].isdigit()
    }


@cache
def correlation(revision: str) -> pd.DataFrame:
    """UNSD correlation pairs ``hs07, target, relationship`` (relationship written HS 2007 first)."""
    file, sheet, _, hs07_left = CORRELATIONS[revision]
    raw = pd.read_excel(shared() / "hs_correlation" / file, sheet_name=sheet, header=None, dtype=str)
    raw = raw.iloc[2:]  # two header rows: "Between" and the revisions' names
    left, right, relation = raw.iloc[:, 0], raw.iloc[:, -2], raw.iloc[:, -1]
    pairs = pd.DataFrame({"left": _six(left), "right": _six(right), "rel": relation.str.strip()}).dropna()
    pairs = pairs[pairs["left"].str.fullmatch(r"\d{6}") & pairs["right"].str.fullmatch(r"\d{6}")]
    if hs07_left:
        out = pairs.rename(columns={"left": "hs07", "right": "target"})
    else:
        out = pairs.rename(columns={"right": "hs07", "left": "target"})
        out["rel"] = out["rel"].str.split(":").str[::-1].str.join(":")
    if not out["rel"].isin(["1:1", "1:n", "n:1", "n:n"]).all():
        raise ValueError(f"{file}: unexpected relationship values {sorted(set(out['rel']))}")
    return out[["hs07", "target", "rel"]].drop_duplicates().reset_index(drop=True)


@cache
def conversion(revision: str) -> frozenset[tuple[str, str]]:
    """UNSD conversion pairs ``(hs07, target)``: each code of the table's "from" revision sent to
    the one code of the other revision that UNSD converts its data to."""
    file, _, sheet, _ = CORRELATIONS[revision]
    raw = pd.read_excel(shared() / "hs_correlation" / file, sheet_name=sheet, header=None, dtype=str)
    left, right = _six(raw.iloc[:, 0].dropna()), _six(raw.iloc[:, 1].dropna())
    pairs = pd.DataFrame({"left": left, "right": right}).dropna()
    pairs = pairs[pairs["left"].str.fullmatch(r"\d{6}") & pairs["right"].str.fullmatch(r"\d{6}")]
    hs07_left = CORRELATIONS[revision][3]
    return frozenset(
        zip(pairs["left"], pairs["right"], strict=True)
        if hs07_left
        else zip(pairs["right"], pairs["left"], strict=True)
    )


@cache
def nomenclature(revision: str) -> frozenset[str]:
    """The 6-digit codes of a revision: the UN Comtrade list where one ships (HS92, HS07, HS17),
    else every code on that revision's side of the UNSD tables that name it (HS96, HS02, HS12,
    HS22 — the latter also from the HS 2022-HS 2017 table)."""
    if revision in CODE_LISTS:
        return frozenset(code_list(revision))
    codes = set(correlation(revision)["target"])
    if revision == "HS22":
        file = shared() / "hs_correlation" / "HS2022toHS2017ConversionAndCorrelationTables.xlsx"
        raw = pd.read_excel(file, sheet_name="HS2022-HS2017 Correlations", header=None, dtype=str)
        codes |= set(_six(raw.iloc[2:, 0].dropna()))
    return frozenset(c for c in codes if len(c) == 6 and c.isdigit())


def goods() -> pd.DataFrame:
    """FCS 2009 Table 3 as the packaged classification (HS 2007)."""
    fcs = pd.read_csv(
        shared() / "unesco_fcs2009" / "unesco_fcs2009_cultural_goods_hs2007.csv",
        dtype=str,
        keep_default_na=False,
    )
    h3 = code_list("HS07")
    rows = []
    for r in fcs.itertuples(index=False):
        domain, name_en = r.domain_or_group.split(". ", 1)
        page = r.locator.split('codes", ', 1)[1]  # "printed p. 65 (PDF p. 66), row order 1"
        base = {
            "scheme": SCHEME,
            "vintage": "2009",
            "hs_revision": "HS07",
            "domain": domain,
            "domain_name_en": name_en,
            "domain_name_zh": DOMAIN_ZH[domain],
            "category": CATEGORY[r.core_or_related],
            "source": SOURCE,
            "locator": f"Table 3, {page}",
            "subgroup": r.subgroup,
            "printed_code": r.hs6,
        }
        if len(r.hs6) == 4:
            children = sorted(c for c in h3 if c.startswith(r.hs6))
            for code in children:
                rows.append(
                    base
                    | {"hs6": code, "description": h3[code], "handling": f"expanded from heading {r.hs6}"}
                )
        elif r.hs6 in TYPOS:
            code = TYPOS[r.hs6]
            rows.append(
                base
                | {
                    "hs6": code,
                    "description": h3[code],
                    "handling": f"printed {r.hs6} (not an HS 2007 code; description is {code}'s)",
                }
            )
        else:
            if r.hs6 not in h3:
                raise ValueError(f"{r.hs6} is not an HS 2007 code and no rule covers it")
            handling = "as printed" + (ITALIC if r.italic_in_source == "yes" else "")
            rows.append(base | {"hs6": r.hs6, "description": h3[r.hs6], "handling": handling})
    table = pd.DataFrame(rows, columns=GOODS_COLUMNS)
    dup = table.duplicated(["hs6", "domain"], keep=False)
    if dup.any():
        raise ValueError(f"codes twice in one domain: {sorted(set(table.loc[dup, 'hs6']))}")
    return table


def mapping(table: pd.DataFrame) -> pd.DataFrame:
    """Every classification row in each BACI revision, with UNSD's relationship and ``partial``."""
    parts = []
    for revision in CORRELATIONS:
        pairs = correlation(revision)
        sources = pairs.groupby("target")["hs07"].agg(lambda s: sorted(set(s)))
        rows = table[["scheme", "hs6", "domain", "category"]].rename(columns={"hs6": "hs07"})
        merged = rows.merge(pairs, on="hs07", how="left")
        missing = merged["target"].isna()
        if missing.any():
            raise ValueError(f"{revision}: no UNSD link for {sorted(set(merged.loc[missing, 'hs07']))}")
        others = [
            [c for c in sources[t] if c != s] for s, t in zip(merged["hs07"], merged["target"], strict=True)
        ]
        parts.append(
            merged.assign(
                hs_revision=revision,
                hs6=merged["target"],
                relationship=merged["rel"],
                partial=[("yes" if o else "no") for o in others],
                also_covers_n=[len(o) for o in others],
                also_covers_hs07=[_listed(o) for o in others],
                conversion=[
                    "yes" if pair in conversion(revision) else "no"
                    for pair in zip(merged["hs07"], merged["target"], strict=True)
                ],
                source=f"UNSD correlation table {CORRELATIONS[revision][0]}",
            )
        )
    out = pd.concat(parts, ignore_index=True)
    # an HS 2007 code that no conversion pair carries (UNSD converts all its targets to other
    # HS 2007 codes) keeps its links within its own heading (else chapter, else all of them), so
    # that no classified code is lost in a revision and none drags in unrelated chapters
    converted = out[out["conversion"] == "yes"].groupby("hs_revision")["hs07"].agg(set)
    carried = [h in converted.get(r, set()) for r, h in zip(out["hs_revision"], out["hs07"], strict=True)]
    out["selected"] = ["yes" if c == "yes" else "no" for c in out["conversion"]]
    lone = out[[not k for k in carried]]
    for (_, _), links in lone.groupby(["hs_revision", "hs07"]):
        for width in (4, 2, 0):
            near = links[links["hs6"].str[:width] == links["hs07"].str[:width]]
            if len(near):
                out.loc[near.index, "selected"] = "yes"
                break
    out = out[MAPPING_COLUMNS]
    return out.sort_values(["hs_revision", "hs07", "domain", "hs6"], kind="stable").reset_index(drop=True)


def _listed(codes: list[str], most: int = ALSO_COVERS_LISTED) -> str:
    """The other HS 2007 codes of a target, at most ``most`` of them (HS 2022's e-waste codes
    8549.xx are linked to about a thousand), then ``...``."""
    return " ".join(codes[:most]) + (" ..." if len(codes) > most else "")


def build() -> tuple[pd.DataFrame, pd.DataFrame]:
    table = goods()
    return table, mapping(table)


def _write(frame: pd.DataFrame, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    frame.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
    tmp.replace(path)


def main(argv: list[str]) -> int:
    table, mapped = build()
    if "--check" in argv:
        same = all(
            path.is_file() and path.read_text("utf-8") == frame.to_csv(index=False, lineterminator="\n")
            for frame, path in ((table, GOODS), (mapped, MAPPING))
        )
        print("packaged tables are up to date" if same else "packaged tables differ from the sources")
        return 0 if same else 1
    _write(table, GOODS)
    _write(mapped, MAPPING)
    print(f"wrote {len(table)} rows to {GOODS.name}, {len(mapped)} rows to {MAPPING.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
