"""Partner tiers from published files: WDI, CEPII GeoDist, Hofstede, Confucius Institutes, World Heritage.

Run:  python examples/bri_partners/build_study.py [STUDY] [--data DIR] [--years 2015-2019] [--replicates N]

Every step is a ``silkscope`` command, as a user would type it; each is printed before it runs and the
script stops with that command's exit code on the first failure. The data folder defaults to
``$SILKSCOPE_SHARED_DATA``, else ``../shared/data`` (see ``silkscope.paths.shared_data_dir``).
The BRI list (GFDC, Nedopil 2025) ships with silkscope; ``partners table`` reads it by date.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _steps import run  # noqa: E402

from silkscope.paths import shared_data_dir  # noqa: E402

#: file (relative to the data folder) -> where its publisher offers it (from each PROVENANCE.md)
SOURCES = {
    "wdi_extracts/raw": "World Bank, World Development Indicators: "
    "https://api.worldbank.org/v2/en/indicator/<CODE>?downloadformat=csv (https://data.worldbank.org/)",
    "cepii_geodist/dist_cepii.csv.gz": "CEPII GeoDist: "
    "http://www.cepii.fr/CEPII/en/bdd_modele/bdd_modele_item.asp?id=6",
    "hofstede/6-dimensions-for-website-2015-08-16.csv": "Hofstede, 'Dimension data matrix' 2015-08-16: "
    "https://geerthofstede.com/research-and-vsm/dimension-data-matrix/",
    "confucius_institutes/confucius_institutes.csv": "LAS-NCSU bridash (after Dig Mandarin 2021, NAS 2022): "
    "https://github.com/LAS-NCSU/bridash (data_final/confucius_institutes.csv)",
    "unesco_world_heritage/whc-sites-2023.csv": "UNESCO World Heritage List export: "
    "https://whc.unesco.org/en/syndication",
}
HOFSTEDE = "hofstede/6-dimensions-for-website-2015-08-16.csv"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("study", nargs="?", default="study", type=Path, help="study folder (default ./study)")
    parser.add_argument("--data", type=Path, default=None, help="shared data folder")
    parser.add_argument("--years", default="2015-2019", help="window of the WDI means (default 2015-2019)")
    parser.add_argument("--replicates", type=int, default=200, help="uncertainty replicates of the tiers")
    options = parser.parse_args(argv)
    data = (options.data or shared_data_dir()).resolve()
    study = options.study
    print(f"data folder: {data}")
    for relative, origin in SOURCES.items():
        if not (data / relative).exists():
            print(f"missing: {data / relative} — download it from {origin}; see its PROVENANCE.md")
            return 2
        print(f"  {relative}\n      from {origin}")
    print("  BRI list: packaged with silkscope, from GFDC (Nedopil 2025), https://greenfdc.org/")
    out = study / "outputs"
    run("init", study, "--name", "bri_partners")
    wdi = sorted((data / "wdi_extracts/raw").glob("*.csv"))
    run("import", "wdi", *wdi, "--workspace", study)
    run("import", "geodist", data / "cepii_geodist/dist_cepii.csv.gz", "--workspace", study)
    run("import", "confucius", data / "confucius_institutes/confucius_institutes.csv", "--workspace", study)
    run("import", "heritage", data / "unesco_world_heritage/whc-sites-2023.csv", "--workspace", study)
    hofstede = data / HOFSTEDE
    run("partners", "table", "--workspace", study, "--years", options.years, "--hofstede", hofstede,
        "--out", out / "partners.csv")  # fmt: skip
    run("partners", "tiers", "--workspace", study, "--years", options.years, "--hofstede", hofstede,
        "--replicates", options.replicates, "--out", out / "tiers.csv",
        "--recommendations", out / "docking.csv")  # fmt: skip
    print(f"done: {out / 'partners.csv'}, {out / 'tiers.csv'}, {out / 'docking.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
