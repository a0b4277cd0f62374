"""The two real studies of examples/, run end to end on the published files as a user would (each
step a silkscope command): the provincial index with coverage and its zh/en reports, and partner
tiers from WDI, GeoDist, Hofstede, Confucius Institutes and World Heritage."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from silkscope.i18n import Translator
from silkscope.partners.tiers import below_coverage, study_framework, study_indicators
from silkscope.reference import province_groups

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
pytestmark = pytest.mark.xdist_group("examples")


def run_example(name: str, study: Path, data: Path, *options: str) -> str:
    env = dict(os.environ, SILKSCOPE_SHARED_DATA=str(data))
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name / "build_study.py"), str(study), *options],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    return done.stdout


def test_the_provincial_study_ranks_31_provinces_in_its_headline_year(tmp_path: Path, shared_data: Path):
    study = tmp_path / "provinces"
    printed = run_example("china_provinces", study, shared_data, "--replicates", "20")
    assert "https://data.stats.gov.cn/" in printed  # where each file is downloaded from
    out = study / "outputs"
    book = pd.read_excel(out / "index.xlsx", sheet_name=None, dtype={"unit_id": str})
    scores = book["scores"]
    index = scores[scores.level == "index"]
    ranked = index[index["rank"].notna()]
    # all five indicators are published together only for 2019: the one year that passes coverage
    assert sorted(ranked.year.unique()) == [2019]
    assert len(ranked) == 31 and sorted(ranked["rank"]) == list(range(1, 32))
    unranked = index[index["rank"].isna()]
    assert unranked.score.isna().all() and len(unranked) == 31 * 18  # rows kept, score and rank empty
    # index coverage may reach 2/3 while a pillar has none (2010-2018: no budget series yet)
    assert (unranked.coverage < 1).all() and (ranked.coverage == 1).all()
    coverage = book["coverage"]
    assert len(coverage) == 31 * 19 and set(coverage.year) == set(range(2005, 2024))
    excluded = book["excluded"]
    assert len(excluded) == 558 and 2019 not in set(excluded.year)
    assert excluded[excluded.year == 2015].below.str.contains("driving_force").all()
    assert excluded[excluded.year == 2020].below.str.contains("influence").all()
    # East/Central/West means of the index in 2019 equal the means of the provinces' scores
    groups = book["groups"]
    belt = province_groups("china-3belt")
    by_hand = ranked.assign(group=ranked.unit_id.map(belt)).groupby("group").score.mean()
    means = groups[(groups.year == 2019) & (groups.level == "index")].set_index("group")["mean"]
    assert set(means.index) == {"East", "Central", "West"}
    pd.testing.assert_series_equal(means.sort_index(), by_hand.sort_index(), check_names=False)
    for lang in ("zh", "en"):
        html = (out / f"report_{lang}" / "report.html").read_text(encoding="utf-8")
        sheets = pd.ExcelFile(out / f"report_{lang}" / "report.xlsx").sheet_names
        assert Translator(lang)("report.demo_label") not in html
        assert not [s for s in sheets if "demo" in s.casefold()]
        assert {"coverage", "coverage_excluded", "ranking"} <= set(sheets)
    assert "省域文化产业指数" in (out / "report_zh" / "report.html").read_text(encoding="utf-8")


def test_the_partner_study_tiers_countries_and_lists_every_exclusion(tmp_path: Path, shared_data: Path):
    study = tmp_path / "partners"
    run_example("bri_partners", study, shared_data, "--replicates", "20")
    out = study / "outputs"
    table = pd.read_csv(out / "partners.csv", keep_default_na=False, na_values=[""])
    tiers = pd.read_csv(out / "tiers.csv", keep_default_na=False, na_values=[""])
    assert table.country.is_unique and "CHN" not in set(table.country)  # home is not a partner
    # every country below coverage (recomputed here from the written table) has no tier and a reason
    below = below_coverage(study_indicators(table), study_framework())
    assert {"NIU", "COK"} <= set(below.country)  # no economic data: no tier on distance alone
    untiered = tiers[tiers.tier.isna()].set_index("country")
    assert set(below.country) == set(untiered.index)
    assert untiered.loc[list(below.country), "no_tier_reason"].str.startswith("coverage below").all()
    tiered = tiers[tiers.tier.notna()]
    assert set(tiered.tier.astype(int)) == {1, 2, 3} and not set(tiered.country) & set(below.country)
    assert "CHN" not in set(tiers.country)  # the home country is not its own partner
    assert (out / "docking.csv").stat().st_size > 0
