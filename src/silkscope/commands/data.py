"""``silkscope data download``: the publishers' files into a cache folder, ready for ``import``."""

from __future__ import annotations

from pathlib import Path

import typer

from silkscope.commands._common import checked_output, console, err_console, reports_errors

app = typer.Typer(help="Get the published data files (World Bank WDI, CEPII BACI and GeoDist, UN Comtrade).",
                  no_args_is_help=True)  # fmt: skip
download = typer.Typer(
    help="Download publishers' files into a folder (resumable, checksummed), then `silkscope import` them.",
    no_args_is_help=True,
)
app.add_typer(download, name="download")

OUT = typer.Option(
    Path("downloads"),
    "--out",
    help="Cache folder for the files (default: ./downloads).",
    callback=checked_output(None, inside=("downloads.json",)),
)
SHA = typer.Option(None, "--sha256", help="Expected SHA-256 of the file; a mismatch is refused.")


def _get(url: str, target: Path, label: str, sha256: str | None = None, by_hand: str = "",
         headers: dict[str, str] | None = None, check=None, fresh: bool = False):  # fmt: skip
    """One file with a rich progress bar (bytes, speed), saying whether it resumed or was cached."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from silkscope.download.fetch import fetch

    with Progress(
        TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
        TimeRemainingColumn(), console=err_console, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task(label, total=None)
        got = fetch(url, target, sha256=sha256, headers=headers, by_hand=by_hand, check=check, fresh=fresh,
                    progress=lambda done, total: bar.update(task, completed=done, total=total))  # fmt: skip
    how = "already here, checksum unchanged" if got.cached else (
        f"resumed at {got.resumed_from:,} bytes" if got.resumed_from else "downloaded")  # fmt: skip
    console.print(f"{label}: {got.path} ({got.size:,} bytes, {how}; sha256 {got.sha256[:12]}…)")
    return got


def _folder(out: Path) -> Path:
    """The cache folder, created; refused before any download when it cannot hold files."""
    import os

    from silkscope.download.fetch import DownloadError

    if out.exists() and not out.is_dir():
        raise DownloadError(f"--out {out}: this is a file; give a folder for the downloads")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DownloadError(f"--out {out}: the folder cannot be created ({exc.strerror or exc})") from exc
    if not os.access(out, os.W_OK | os.X_OK):
        raise DownloadError(f"--out {out}: the folder is not writable; choose another")
    return out


def _years(text: str | None) -> tuple[int, int] | None:
    from silkscope.commands._common import year_range

    years = year_range(text)
    return (years[0], years[-1]) if years else None


@download.command("wdi")
@reports_errors
def wdi(
    indicators: str = typer.Option(..., "--indicators", help="WDI codes, comma-separated, e.g. NY.GDP.MKTP.CD,SP.POP.TOTL."),
    years: str = typer.Option(None, "--years", help="Years A-B (default: every year the World Bank has)."),
    out: Path = OUT,
) -> None:  # fmt: skip
    """World Bank WDI indicators, each as the site's CSV zip, unpacked beside it for `import wdi`."""
    from silkscope.download import sources

    codes = sources.wdi_indicators(indicators)
    span = _years(years)
    out = _folder(out)
    files: list[Path] = []
    for code in codes:
        url = sources.wdi_url(code, span)
        got = _get(url, out / f"API_{code}_csv.zip", f"WDI {code}", check=sources.wdi_check(code),
                   by_hand="The page https://data.worldbank.org/indicator/" + code + " has a 'CSV' link.")  # fmt: skip
        files += sources.unpack_wdi(got.path)
    data = sorted(p.name for p in files if p.name.startswith("API_"))
    console.print(f"{len(data)} WDI data file(s) in {out}; next: silkscope import wdi {out}/API_*.csv "
                  f"{out}/Metadata_*.csv --workspace STUDY")  # fmt: skip


@download.command("baci")
@reports_errors
def baci(
    release: str = typer.Option(..., "--release", help="CEPII release, e.g. V202401 (see CEPII's BACI page)."),
    hs: str = typer.Option("HS17", "--hs", help="HS revision of the release: HS92 … HS22."),
    sha256: str = SHA,
    out: Path = OUT,
) -> None:  # fmt: skip
    """A CEPII BACI release zip (~2 GB; an interrupted transfer resumes), for `import baci` as is."""
    from silkscope.download import sources

    name = sources.baci_name(release, hs)
    out = _folder(out)
    got = _get(f"{sources.base('baci')}/{name}", out / name, f"BACI {hs} {release}", sha256,
               by_hand="CEPII's page https://www.cepii.fr/CEPII/en/bdd_modele/bdd_modele_item.asp?id=37 "
               "lists the releases (free registration).",
               check=lambda path: sources.check_zip(path, "BACI release"))  # fmt: skip
    console.print(f"next: silkscope import baci {got.path} --workspace STUDY")


@download.command("geodist")
@reports_errors
def geodist(
    file_format: str = typer.Option("xls", "--format", help="xls (read by `import geodist`) or dta (Stata)."),
    sha256: str = SHA,
    out: Path = OUT,
) -> None:  # fmt: skip
    """CEPII GeoDist's dyadic file dist_cepii (Mayer & Zignago 2011), for `import geodist`."""
    from silkscope.download import sources
    from silkscope.download.fetch import DownloadError

    if file_format not in ("xls", "dta"):
        raise DownloadError(f"--format must be xls or dta, got '{file_format}'")
    name = f"dist_cepii.{file_format}"
    out = _folder(out)
    got = _get(f"{sources.base('geodist')}/{name}", out / name, "GeoDist", sha256,
               by_hand="CEPII's page https://www.cepii.fr/CEPII/en/bdd_modele/bdd_modele_item.asp?id=6 links it.")  # fmt: skip
    console.print(f"next: silkscope import geodist {got.path} --workspace STUDY")


@download.command("comtrade")
@reports_errors
def comtrade(
    reporter: str = typer.Option(..., "--reporter", help="Reporting country, ISO3 (e.g. CHN)."),
    years: str = typer.Option(..., "--years", help="Year or years A-B."),
    flow: str = typer.Option("X", "--flow", help="X (exports) or M (imports)."),
    products: str = typer.Option(None, "--products", help="HS codes (2, 4 or 6 digits), comma-separated, or "
                                 "cultural / ceramics; default: the total."),
    partners: str = typer.Option(None, "--partners", help="Partner ISO3 codes, comma-separated (default: all)."),
    key: str = typer.Option(None, "--key", envvar="COMTRADE_KEY", help="UN Comtrade subscription key "
                            "(default: the public preview, at most 500 records per call)."),
    out: Path = OUT,
) -> None:  # fmt: skip
    """UN Comtrade annual HS data as the API's JSON, for `import comtrade` as is."""
    from silkscope.commands._common import year_range
    from silkscope.download import sources
    from silkscope.download.fetch import DownloadError

    flow = flow.upper()
    if flow not in ("X", "M"):
        raise DownloadError(f"--flow must be X (exports) or M (imports), got '{flow}'")
    span = year_range(years) or []
    codes = None
    if products:
        from silkscope.trade.codes import product_selection

        codes = product_selection(products)
    reporter_code = sources.comtrade_codes([reporter], "--reporter")[0]
    partner_codes = sources.comtrade_codes(partners.split(","), "--partners") if partners else None
    out = _folder(out)
    url = sources.comtrade_url(reporter_code, span, flow, codes, partner_codes, keyed=bool(key))
    name = f"comtrade_{reporter.upper()}_{flow}_{span[0]}-{span[-1]}.json"
    headers = {"Ocp-Apim-Subscription-Key": key} if key else None
    got = _get(url, out / name, f"UN Comtrade {reporter.upper()} {flow}", headers=headers,
               check=sources.comtrade_check(keyed=bool(key)), fresh=True,  # an API answer may change
               by_hand="The same query can be run at https://comtradeplus.un.org.")  # fmt: skip
    n = sources.comtrade_records(got.path)
    console.print(f"{n:,} records; next: silkscope import comtrade {got.path} --flow "
                  f"{'exports' if flow == 'X' else 'imports'} --workspace STUDY")  # fmt: skip
