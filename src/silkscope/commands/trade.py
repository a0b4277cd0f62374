"""``silkscope trade``: Cultural trade: indicators, complexity."""

from __future__ import annotations

from pathlib import Path

import typer

from silkscope.commands._common import checked_output, console, reports_errors, year_range
from silkscope.errors import InputError

app = typer.Typer(
    help="Cultural trade: indicators, values, CMS, complexity, elasticity.", no_args_is_help=True
)


WORKSPACE_HELP = "Study folder whose imported flows to use (default: the current folder, if it is one)."


@app.command("complexity")
@reports_errors
def complexity_command(
    data: Path = typer.Option(
        None, "--data", help="Exports: country, product, value[, year] (CSV/Excel/Parquet)."
    ),
    workspace: Path = typer.Option(None, "--workspace", help=WORKSPACE_HELP),
    hs: str = typer.Option(None, "--hs", help="HS revision of the workspace flows to use."),
    country_column: str = typer.Option(
        "country", "--country-column", help="Column of the exporting country (ISO3, any case)."
    ),
    product_column: str = typer.Option("product", "--product-column", help="Column of the product code."),
    value_column: str = typer.Option(
        "value", "--value-column", help="Column of the export value (blank or NA = no export)."
    ),
    year_column: str = typer.Option(
        None,
        "--year-column",
        help="Column of the year (default: year, if there is one; a table without years is one "
        "year, named by --year).",
    ),
    year: int = typer.Option(None, "--year", help="Only this year."),
    method: str = typer.Option("eigenvalues", "--method", help="eigenvalues | reflections"),
    standardise: str = typer.Option("atlas", "--standardise", help="atlas | r (R economiccomplexity)"),
    threshold: float = typer.Option(1.0, "--threshold", help="RCA at or above which M_cp = 1."),
    knn: int = typer.Option(None, "--knn", help="Density over each product's K nearest products."),
    min_population: float = typer.Option(
        None,
        "--min-population",
        help="Rank only countries with at least this population (default: 1,000,000 in the atlas "
        "convention, the Atlas of Economic Complexity's rule; off in the r convention; 0 = off).",
    ),
    min_exports: float = typer.Option(
        None,
        "--min-exports",
        help="Rank only countries exporting at least this much per year on average, in the unit "
        "of --data (USD for workspace flows) (default: 1e9, USD 1 billion, in the atlas "
        "convention; off in the r convention; 0 = off).",
    ),
    population: Path = typer.Option(
        None,
        "--population",
        help="Population table for --min-population: country (ISO3), population[, year] "
        "(default: the WDI SP.POP.TOTL imported into the workspace).",
    ),
    out: Path = typer.Option(
        ...,
        "--out",
        help="Folder for country.csv, product.csv, country_product.csv (and excluded_countries.csv).",
        callback=checked_output(
            (".csv",), ("country.csv", "product.csv", "country_product.csv", "excluded_countries.csv")
        ),
    ),
) -> None:
    """ECI, PCI, diversity, ubiquity, density, COI and COG for every year."""
    import uuid

    from silkscope.io.writers import write_table
    from silkscope.trade.complexity import (
        ATLAS_MIN_EXPORTS,
        ATLAS_MIN_POPULATION,
        complexity,
        require_population,
    )

    label = None
    if data is None:
        con, table, label = _flows(workspace, hs, "duckdb")
    if label and min_population is None and min_exports is None and standardise == "atlas":
        min_population = min_exports = 0  # synthetic flows of real countries: a filter means nothing
        console.print("demonstration data: the Atlas country filter is not applied")
    atlas = standardise == "atlas"
    if min_population is None:
        min_population = ATLAS_MIN_POPULATION if atlas else 0
    if min_exports is None:
        min_exports = ATLAS_MIN_EXPORTS if atlas else 0
    columns = {
        "country": country_column,
        "product": product_column,
        "value": value_column,
        "year": year_column or "",
    }
    people = _population(population, workspace, data) if min_population else None
    require_population(min_population, people)  # before reading a large table
    rows, name = None, None
    if data is not None:
        frame, rows = _read_text(data)
        name = data.name
    else:
        exports = table.group_by(["year", "exporter", "product"]).aggregate(value=table.value.sum())
        frame = con.to_pandas(exports.rename(country="exporter"))
        frame["value"] = frame["value"] * 1000  # workspace flows are thousand USD; --min-exports is USD
        columns = None
    result = complexity(
        frame,
        method=method,
        standardise=standardise,
        threshold=threshold,
        year=year,
        knn=knn,
        columns=columns,
        population=people,
        min_population=min_population,
        min_exports=min_exports,
        rows=rows,
        file=name,
    )
    console.print(result.summary(), highlight=False, markup=False, soft_wrap=True)
    out.mkdir(parents=True, exist_ok=True)
    tables = [
        ("country", result.country()),
        ("product", result.product()),
        ("country_product", result.country_product()),
    ]
    if result.excluded is not None:
        tables.append(("excluded_countries", result.excluded))
    staged = []  # every table written aside first, then all renamed: no half-written folder
    try:
        for label, table in tables:
            staged.append((write_table(table, out / f".{label}.{uuid.uuid4().hex}.csv"), label))
        for temp, label in staged:
            temp.replace(out / f"{label}.csv")
    finally:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
    console.print(f"wrote {', '.join(f'{label}.csv' for label, _ in tables)} to {out}")


def _population(path: Path | None, workspace: Path | None, data: Path | None):
    """The population table for the country filter: --population FILE, else the workspace's WDI
    SP.POP.TOTL; None when neither is there (the filter then says what it needs)."""
    from silkscope.errors import WorkspaceError
    from silkscope.trade.complexity import population_table
    from silkscope.workspace import CONFIG_NAME, Workspace

    if path is not None:
        from silkscope.io.tables import read_table

        return population_table(read_table(path), path.name)
    root = workspace or (Path.cwd() if data is None else None)
    if root is None or not (Path(root) / CONFIG_NAME).exists():
        return None
    try:
        wide = Workspace.open(root).indicator_table(["SP.POP.TOTL"])
    except WorkspaceError:  # no population imported: the filter says what it needs
        return None
    return population_table(wide.rename(columns={"unit_id": "country"}), "workspace SP.POP.TOTL")


def _read_text(path: Path):
    """A trade table with every cell as text (HS and SITC codes keep their leading zeros), and the
    spreadsheet row of each data row."""
    from silkscope.io.tables import read_raw

    raw = read_raw(path)
    return raw.frame.replace("", None), raw.rows


def _flows(workspace: Path | None, hs: str | None, engine: str):
    """(backend, flows table, label) from the workspace, or the built-in demo flows when no
    workspace is given and the current folder is not one."""
    from silkscope.trade.queries import connect, frame_flows, workspace_flows
    from silkscope.workspace import CONFIG_NAME, Workspace

    con = connect(engine)
    if workspace is None and not (Path.cwd() / CONFIG_NAME).exists():
        from silkscope.trade.demo import DEMO_LABEL, demo_flows

        label = f"{DEMO_LABEL['en']} / {DEMO_LABEL['zh']}"
        console.print(f"[bold yellow]no --data and no workspace: using the built-in {label}[/]")
        return con, frame_flows(demo_flows()), label
    ws = Workspace.open(workspace or Path.cwd())
    return con, workspace_flows(con, ws, hs), None


def _baci_frame(raw, rows, data: Path):
    """Flows from a table in BACI layout read as text; bad years or values named by row."""
    import pandas as pd

    from silkscope.trade.codes import hs6, to_iso3

    raw.columns = [str(c).strip().lower() for c in raw.columns]
    missing = [c for c in ("t", "i", "j", "k", "v") if c not in raw.columns]
    if missing:
        raise InputError(f"not in BACI layout: missing column(s) {', '.join(missing)}", file=data)
    from silkscope.io.baci import groupings

    # BACI's codes without ISO3 (490, 697, 849) as the import stores them (X490, ...)
    nes = {code: stored for code, (stored, _) in groupings().items()}
    stored = {v: v for v in nes.values()}

    def countries(column):
        text = raw[column].astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
        return to_iso3(text.map(lambda c: nes.get(c.lstrip("0"), c)), data.name, extra=stored)

    flows = pd.DataFrame(
        {
            "year": pd.to_numeric(raw["t"], errors="coerce"),
            "exporter": countries("i"),
            "importer": countries("j"),
            "product": hs6(raw["k"]),
            "value": pd.to_numeric(raw["v"].astype(str).str.strip(), errors="coerce"),
        }
    )
    bad = flows["value"].isna() | (flows["value"] < 0) | flows["year"].isna()
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(
            f"{int(bad.sum())} row(s) with a missing or negative value or year; first: t={raw['t'].iloc[row]!r}, v={raw['v'].iloc[row]!r}",
            file=data,
            row=rows[row],
        )
    return flows.astype({"year": int})


def _codes(word: str, reference) -> list[str] | None:
    """``all`` -> None; a CSV file -> its first column (or ``iso3``/``hs6``); else a comma list."""
    if word.lower() == "all":
        return None
    path = Path(word)
    if path.suffix.lower() in (".csv", ".xlsx", ".parquet") and path.is_file():
        from silkscope.io.tables import read_raw

        frame = read_raw(path).frame
        column = next((c for c in ("iso3", "hs6", "code") if c in frame.columns), frame.columns[0])
        return [str(v).strip() for v in frame[column] if str(v).strip()]
    if word.lower() == reference[0]:
        return reference[1]()
    return [p.strip() for p in word.split(",") if p.strip()]


DATA = typer.Option(
    None, "--data", help="Flows in BACI layout: t, i, j, k, v[, q]; countries ISO numeric or ISO3."
)
WORKSPACE = typer.Option(None, "--workspace", help=WORKSPACE_HELP)
PRODUCTS = typer.Option(
    "all",
    "--products",
    help="all; cultural (UNESCO FCS 2009 core cultural goods, domains A-F, in the flows' HS "
    "revision), cultural:all (with equipment and the related domains G-H), cultural:A ... "
    "cultural:F (one domain); ceramics (HS 6911-6914, our basket); HS codes/prefixes separated "
    "by commas (e.g. 6911,6912,6913); or a CSV with hs6.",
)
SCHEME = typer.Option("unesco_fcs_2009", "--scheme", help="Classification behind --products cultural.")
CLASSIFICATION = typer.Option(
    None,
    "--classification",
    help="Own cultural-goods classification file (format of reference/cultural_goods.csv).",
)
YEARS = typer.Option(None, "--years", help="A year or a range, e.g. 2015-2022.")
HS = typer.Option(None, "--hs", help="HS revision of the workspace flows to use.")
ENGINE = typer.Option("duckdb", "--engine", help="duckdb | spark: where the queries run.")


def _selection(data, workspace, hs, engine, years, products, scheme, classification):
    """(backend, flows table filtered to the years and products, demo label or None)."""
    con, base, chosen, label = _selected(data, workspace, hs, engine, years, products, scheme, classification)
    return con, (base if chosen is None else base.filter(chosen)), label


def _selected(data, workspace, hs, engine, years, products, scheme, classification):
    """(backend, flows of the chosen years over all products, the product condition or None,
    demo label or None): the coverage is judged over all products (:func:`_coverage`)."""
    from silkscope.trade.codes import product_condition, product_selection
    from silkscope.trade.queries import connect, frame_flows

    label = None
    if data is not None:
        con, table = connect(engine), frame_flows(_baci_frame(*_read_text(data), data))
    else:
        con, table, label = _flows(workspace, hs, engine)
    chosen_years = year_range(years)
    if chosen_years:
        table = table.filter(table.year.between(chosen_years[0], chosen_years[-1]))
    revision = _revision(data, workspace, hs, products, classification)
    chosen = product_selection(products, revision, scheme, classification)
    if chosen is not None:
        chosen = product_condition(table, chosen)
    return con, table, chosen, label


def _coverage(con, table, chosen):
    """The :class:`~silkscope.trade.coverage.Coverage` of the flows and the number of selected
    flows per year, in one aggregate over them (the per-year counts the indicators need anyway):
    exporters and importers over all products, flows of the selected products (``chosen``)."""
    from silkscope.trade.coverage import Coverage

    n = table.count() if chosen is None else table.count(where=chosen)
    frame = con.to_pandas(
        table.group_by("year").aggregate(
            n=n,
            exporters=table.exporter.collect(distinct=True),
            importers=table.importer.collect(distinct=True),
        )
    )
    from silkscope.io.baci import groupings

    names = {stored: name for stored, name in groupings().values()} | {"S19": "Other Asia, nes"}
    return Coverage.from_counts(frame, names=names)


ALLOW_PARTIAL = typer.Option(
    False,
    "--allow-partial",
    help="Compute indicators the flows cannot support (they are not a world matrix: e.g. an "
    "extract of a few exporters) anyway; each such row carries a note.",
)


def _say_coverage(coverage) -> None:
    from silkscope.i18n import default_language

    console.print(coverage.statement(default_language()), highlight=False, markup=False, soft_wrap=True)


def _revision(data, workspace, hs, products: str, classification) -> str | None:
    """The HS revision of the flows, which picks the classification's mapping: --hs, else the
    workspace's (only) one, else the BACI file name's; None for the demo flows (their codes are
    the classification's own). Refused when the packaged classification needs it and it is not
    known."""
    from silkscope.reference.cultural_goods import PACKAGED_REVISION
    from silkscope.workspace import CONFIG_NAME, Workspace

    if hs is not None:
        from silkscope.io.baci import hs_revision

        return hs_revision([], hs)
    if data is not None:
        import re

        match = re.search(r"HS(\d\d)", Path(data).name.upper())
        if match:
            return f"HS{match.group(1)}"
        if products.lower().startswith("cultural") and classification is None:
            raise InputError(
                f"the HS revision of {Path(data).name} is not known, and the cultural classification "
                "differs between revisions",
                file=data,
                hint="pass --hs HS92 (or HS96, HS02, HS07, HS12, HS17, HS22)",
            )
        return None
    if workspace is None and not (Path.cwd() / CONFIG_NAME).exists():
        return PACKAGED_REVISION  # the demo flows
    ws = Workspace.open(workspace or Path.cwd())
    held = sorted(p.name.split("=", 1)[1] for p in ws.trade_dir.glob("hs_revision=*") if p.is_dir())
    return held[0] if len(held) == 1 else None


def _iso3(code: str, option: str = "--reporter") -> str:
    """One country code given on the command line, as ISO3 (a mistyped one gets suggestions)."""
    from silkscope.commands._suggest import checked_country_codes

    return checked_country_codes([code], option)[0]


@app.command("indicators")
@reports_errors
def indicators_command(
    data: Path = DATA,
    workspace: Path = WORKSPACE,
    reporter: str = typer.Option(..., "--reporter", help="ISO3 of the reporting country, or all."),
    partners: str = typer.Option(
        "all",
        "--partners",
        help="all, bri (Belt and Road signatories), ISO3 codes separated by commas, or a CSV with iso3.",
    ),
    products: str = PRODUCTS,
    scheme: str = SCHEME,
    classification: Path = CLASSIFICATION,
    years: str = YEARS,
    hs: str = HS,
    engine: str = ENGINE,
    out: Path = typer.Option(
        ...,
        "--out",
        help="Output .csv, .xlsx or .parquet (indicator, reporter, partner, product, year, value).",
        callback=checked_output(),
    ),
    sort: bool = typer.Option(
        True,
        "--sort/--no-sort",
        help="Order the rows by year, indicator, reporter, partner, product. --no-sort writes "
        "them as computed, for a whole BACI year about twice as fast (same rows).",
    ),
    allow_partial: bool = ALLOW_PARTIAL,
) -> None:
    """WITS trade indicators: RCA, specialisation, intensity, complementarity, Grubel-Lloyd, HHI, Finger-Kreinin, shares."""

    from silkscope.commands._common import progress_bar, write_query_output
    from silkscope.commands._suggest import checked_country_codes
    from silkscope.reference import bri_partners
    from silkscope.trade.indicators import (
        checked_flows,
        flow_budget,
        indicator_table,
        release,
        row_notes,
        year_groups,
    )

    reporters = None if reporter.lower() == "all" else [_iso3(reporter)]  # checked before the work
    con, table, chosen_products, label = _selected(
        data, workspace, hs, engine, years, products, scheme, classification
    )
    coverage = _coverage(con, table, chosen_products)
    if chosen_products is not None:
        table = table.filter(chosen_products)
    chosen = _codes(partners, ("bri", lambda: list(bri_partners()["iso3"])))
    named = {g: g for g in coverage.groupings}  # a grouping is a valid partner when named
    chosen = None if chosen is None else checked_country_codes(chosen, "--partners", extra=named)
    counts = coverage.flows_per_year
    if not counts:
        raise InputError(
            "no indicator could be computed for this selection (no flows left after the filters)"
        )
    _say_coverage(coverage)
    partial = coverage.require_world(
        "rca, market_share, export_specialisation, trade_intensity, trade_complementarity, "
        "finger_kreinin against WLD, grubel_lloyd and net_export_ratio",
        allow_partial,
    )
    if partial:
        console.print(f"[bold yellow]--allow-partial: {partial}[/]")
    table = checked_flows(table, reporters, con)
    # the workspace's import refuses duplicate flows: they need no grouping again
    unique = data is None and label is None
    groups = year_groups(counts, flow_budget(sort))
    title = "trade indicators" + (" (demonstration data)" if label else "")
    # groupings (X697 "Europe EFTA, nes", S19) count in the world's totals, not as rows, unless named
    asked = set(reporters or ()) | set(chosen or ())
    hidden = [g for g in coverage.groupings if g not in asked]

    def by_years():  # every indicator is within a year: a group of years at a time bounds the memory
        for n, years_ in enumerate(groups):
            span = f"{years_[0]}" + (f"-{years_[-1]}" if len(years_) > 1 else "")
            progress.update(task, description=f"indicators for {span}", completed=n)
            part = table.filter(table.year.isin(years_))
            result = indicator_table(part, reporters, chosen, con=con, sort=sort, unique=unique)
            if hidden:
                result = result.filter(~result.reporter.isin(hidden) & ~result.partner.isin(hidden))
            yield result.mutate(note=row_notes(result, coverage, partial, label))
            release(con)
        progress.update(task, description="writing", completed=len(groups))

    with progress_bar() as progress:
        task = progress.add_task("indicators", total=len(groups))
        write_query_output(con, by_years(), out, title)
    if hidden:
        console.print(f"left out of the rows (groupings, not countries): {', '.join(hidden)}")


@app.command("values")
@reports_errors
def values_command(
    data: Path = DATA,
    workspace: Path = WORKSPACE,
    by: str = typer.Option(
        "exporter,year",
        "--by",
        help="Keys separated by commas: exporter, importer, product, year, domain (of the "
        "classification: --scheme, or --classification FILE; its products only).",
    ),
    exporter: str = typer.Option(None, "--exporter", help="Only this exporter (ISO3)."),
    products: str = PRODUCTS,
    scheme: str = SCHEME,
    classification: Path = CLASSIFICATION,
    years: str = YEARS,
    hs: str = HS,
    out: Path = typer.Option(..., "--out", help="Output .csv, .xlsx or .parquet.", callback=checked_output()),
) -> None:
    """Trade values, shares, year-on-year growth and CAGR by the chosen keys."""
    from silkscope.commands._common import show_table, write_output
    from silkscope.trade.structure import trade_values

    con, table, chosen, label = _selected(
        data, workspace, hs, "duckdb", years, products, scheme, classification
    )
    coverage = _coverage(con, table, chosen)
    _say_coverage(coverage)
    table = table if chosen is None else table.filter(chosen)
    keys = [k.strip() for k in by.split(",") if k.strip()]
    groups = None
    if "domain" in keys:  # the classification's domains; its products only
        groups = _domains(
            scheme, classification, _revision(data, workspace, hs, "cultural", classification), products
        )
        table = table.filter(table["product"].isin(list(groups["product"])))
    if exporter and any(k in keys for k in ("importer", "product", "domain")):
        # shares are then within the exporter's own trade: its flows alone suffice
        table = table.filter(table.exporter == _iso3(exporter, "--exporter"))
    result = trade_values(
        _totals(con, table, keys), by=["group" if k == "domain" else k for k in keys], groups=groups
    )
    result = result.rename(columns={"group": "domain"})
    if exporter:
        if "exporter" not in keys:
            raise InputError("--exporter needs exporter among the --by keys")
        result = result[result["exporter"] == _iso3(exporter, "--exporter")]
    show_table(result.head(15), title="trade values" + (" (demonstration data)" if label else ""))
    # shares are within these flows: the world's only when they are a world matrix
    partial = None if coverage.world else coverage.note()
    notes = [n for n in (label, partial) if n]
    if notes:
        result["note"] = "; ".join(notes)
    write_output(result, out, title="trade values")


def _domains(scheme: str, classification: Path | None, revision: str | None, products: str = "cultural"):
    """``product, group``: the HS6 codes of the classification in the flows' revision and their
    domains (all categories with ``--products cultural:all``, else its core goods; a user file:
    all its rows). A code that two domains claim (a merged code) is in group ``B/H``, counted
    once."""
    from silkscope.reference.cultural_goods import classified

    categories = None if classification is not None or products.lower() == "cultural:all" else ("core",)
    revision = None if classification is not None else revision
    table = classified(scheme, None, revision, classification, categories)
    groups = table.groupby("product")["domain"].agg(lambda d: "/".join(sorted(set(d))))
    return groups.rename("group").reset_index()


def _totals(con, table, keys: list[str]):
    """The flows summed in the backend over everything not among the keys (self-flows left
    out), as a flows frame for ``trade_values``: columns it does not total by hold a constant
    (a different one for exporter and importer, which it compares to drop self-flows), so that
    a BACI year reaches pandas as totals, not as 11 M flows."""
    table = table.filter(table.exporter != table.importer)
    kept = [
        c
        for c in ("year", "exporter", "importer", "product")
        if c in keys or (c == "product" and "domain" in keys)
    ]
    frame = con.to_pandas(
        table.group_by(kept).aggregate(value=table.value.sum())
        if kept
        else table.aggregate(value=table.value.sum())
    )
    for column in ("exporter", "importer", "product"):
        if column not in frame:
            frame[column] = f"all_{column}s"
    if "year" not in frame:
        frame["year"] = 0
    return frame


@app.command("cms")
@reports_errors
def cms_command(
    exporter: str = typer.Option(..., "--exporter", help="ISO3 of the exporter."),
    base: int = typer.Option(..., "--base", help="Base year."),
    end: int = typer.Option(..., "--end", help="End year."),
    variant: str = typer.Option("jepma", "--variant", help="jepma | leamer_stern"),
    data: Path = DATA,
    workspace: Path = WORKSPACE,
    products: str = PRODUCTS,
    scheme: str = SCHEME,
    classification: Path = CLASSIFICATION,
    hs: str = HS,
    out: Path = typer.Option(
        ...,
        "--out",
        help="Output .csv, .xlsx or .parquet (effect, value, share_of_change).",
        callback=checked_output(),
    ),
    allow_partial: bool = ALLOW_PARTIAL,
) -> None:
    """Constant-market-share decomposition of an exporter's export growth between two years."""
    from silkscope.commands._common import show_table, write_output
    from silkscope.trade.structure import constant_market_share

    span = f"{min(base, end)}-{max(base, end)}"
    con, table, chosen_products, label = _selected(
        data, workspace, hs, "duckdb", span, products, scheme, classification
    )
    coverage = _coverage(con, table.filter(table.year.isin([base, end])), chosen_products)
    _say_coverage(coverage)
    focus = _iso3(exporter, "--exporter")
    # the effects compare the exporter with the growth of world demand by market and product
    partial = coverage.require_exporter(focus, "the constant-market-share decomposition", allow_partial)
    table = table if chosen_products is None else table.filter(chosen_products)
    # the decomposition needs only the exporter's flows and the world's by market and product:
    # every other exporter is summed in the backend into one ("others", never an ISO3 code)
    chosen = table.filter(table.year.isin([base, end]) & (table.exporter != table.importer))
    chosen = chosen.mutate(exporter=(chosen.exporter == focus).ifelse(focus, "others"))
    flows = con.to_pandas(
        chosen.group_by(["year", "exporter", "importer", "product"]).aggregate(value=chosen.value.sum())
    )
    result = constant_market_share(flows, focus, base, end, variant=variant)
    change = result.attrs.get("actual_change")
    show_table(result, title=f"CMS {exporter} {base}-{end}" + (" (demonstration data)" if label else ""))
    notes = [n for n in (label, partial) if n]
    if notes:
        result["note"] = "; ".join(notes)
    if change is not None:
        console.print(f"actual change: {change:,.1f} (thousand USD); the effects sum to it")
    write_output(result, out, title="constant-market-share decomposition")


def _flows_with_quantity(data: Path | None, workspace: Path | None, hs: str | None, prefixes: list[str]):
    """(flows with ``quantity``, label or None) of the given products: --data (BACI t, i, j, k, v,
    q), else the workspace, else the built-in demo flows (labelled)."""
    import pandas as pd

    from silkscope.workspace import CONFIG_NAME

    if data is not None:
        raw, rows = _read_text(data)
        flows = _baci_frame(raw.copy(), rows, data)
        columns = [str(c).strip().lower() for c in raw.columns]
        if "q" not in columns:
            raise InputError(
                "no quantity column 'q': unit values need it", file=data, hint="give BACI files with v and q"
            )
        q = raw.iloc[:, columns.index("q")].astype(str).str.strip()
        flows["quantity"] = pd.to_numeric(
            q.where(~q.str.upper().isin(["NA", "NAN", "NONE", ""])), errors="coerce"
        )
        keep = flows["product"].str.startswith(tuple(prefixes))
        return flows[keep], None
    if workspace is None and not (Path.cwd() / CONFIG_NAME).exists():
        from silkscope.trade.demo import DEMO_LABEL, demo_flows

        label = f"{DEMO_LABEL['en']} / {DEMO_LABEL['zh']}"
        console.print(f"[bold yellow]no --data and no workspace: using the built-in {label}[/]")
        flows = demo_flows()
        return flows[flows["product"].str.startswith(tuple(prefixes))], label
    import ibis

    from silkscope.trade.queries import connect, workspace_flows
    from silkscope.workspace import Workspace

    con = connect("duckdb")
    table = workspace_flows(con, Workspace.open(workspace or Path.cwd()), hs, quantity=True)
    table = table.filter(ibis.or_(*[table["product"].startswith(p) for p in prefixes]))
    return con.to_pandas(table), None


@app.command("elasticity")
@reports_errors
def elasticity_command(
    products: str = typer.Option(
        ...,
        "--products",
        help="HS codes or prefixes, comma-separated (a prefix sums its HS6 lines), e.g. 691110,6912.",
    ),
    markets: str = typer.Option(
        None, "--markets", help="Importers (ISO3), comma-separated (default: every importer)."
    ),
    data: Path = typer.Option(None, "--data", help="Flows in BACI layout with quantities: t, i, j, k, v, q."),
    workspace: Path = WORKSPACE,
    hs: str = HS,
    min_years: int = typer.Option(3, "--min-years", help="Least number of years with quantities."),
    min_varieties: int = typer.Option(
        4, "--min-varieties", help="Least number of exporters (the reference included) with a change."
    ),
    boot: int = typer.Option(200, "--boot", help="Bootstrap draws (over varieties) for std_error."),
    seed: int = typer.Option(0, "--seed", help="Seed of the bootstrap."),
    out: Path = typer.Option(..., "--out", help="Output .csv, .xlsx or .parquet.", callback=checked_output()),
) -> None:
    """Elasticity of substitution between exporters (Feenstra 1994, Broda-Weinstein 2006) per product x market."""
    from silkscope.commands._common import progress_bar, show_table, write_output
    from silkscope.io.writers import check_output_path
    from silkscope.trade.elasticity import feenstra_elasticities

    check_output_path(out)
    prefixes = [p.strip() for p in products.split(",") if p.strip()]
    if not prefixes or not all(p.isdigit() and 2 <= len(p) <= 6 for p in prefixes):
        raise InputError(
            f"--products must be HS codes or prefixes of 2 to 6 digits, e.g. 6911,691200; got '{products}'"
        )
    chosen = [_iso3(m.strip()) for m in markets.split(",") if m.strip()] if markets else None
    flows, label = _flows_with_quantity(data, workspace, hs, prefixes)
    total = len(prefixes) * (len(chosen) if chosen is not None else max(flows["importer"].nunique(), 1))
    with progress_bar() as bar:
        task = bar.add_task("elasticities", total=total)
        result = feenstra_elasticities(
            flows,
            prefixes,
            chosen,
            min_years=min_years,
            min_varieties=min_varieties,
            n_boot=boot,
            seed=seed,
            progress=lambda n: bar.advance(task, n),
        )
    result.details["compare"] = label is None  # no comparison of synthetic demo flows
    frame = result.table
    if label:
        frame["note"] = label
    console.print(result.summary(), highlight=False, markup=False, soft_wrap=True)
    show_table(frame.head(15), title="elasticity of substitution" + (f" ({label})" if label else ""))
    write_output(frame, out, title="elasticity")
