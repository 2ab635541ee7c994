"""`sla`: run service months through Dagster in-process and show what finance reads."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from orchestration.lib.config import apply_offline_env, get_settings
from orchestration.lib.dbt_server import start_server, stop_server, warm_server
from orchestration.lib.gc_tuning import collect_less
from orchestration.lib.partitions import (
    MONTH_RE,
    months_between,
    months_outside_partitions,
    partition_key_of,
)
from orchestration.lib.statement_labels import STATEMENT_LANGUAGES

# Wide enough for the credit table when output goes to a file or CI log.
console = Console(width=None if sys.stdout.isatty() else 160)


def _instance():
    import dagster as dg

    # With DAGSTER_HOME set, runs are recorded where `dagster dev` shows them.
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


def _normalise_as_of(parser: argparse.ArgumentParser, as_of: str | None) -> str | None:
    if not as_of:
        return None
    try:
        parsed = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
    except ValueError:
        parser.error(f"--as-of must be an ISO 8601 instant, got {as_of!r}")
    if parsed.tzinfo is None:
        parser.error("--as-of needs a UTC offset, e.g. 2026-11-05T00:00:00Z")
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _check_partitions(parser: argparse.ArgumentParser, months: list[str]) -> None:
    outside, first, last = months_outside_partitions(months)
    if outside:
        parser.error(
            f"no service month {', '.join(outside)}: the platform runs {first} through {last} "
            "(from 2020, up to 36 months ahead)"
        )


def _month(value: str) -> str:
    if not MONTH_RE.match(value):
        raise argparse.ArgumentTypeError(f"expected YYYY-MM, got {value!r}")
    return value


def _write_timings(instance, run_id: str, path: Path) -> None:
    """Each step's start and end and each materialisation, as the run's event log has them.

    The CLI's instance is in memory unless DAGSTER_HOME is set, so this is where a person (or
    bench/) finds where a month's time went without a recorded instance.
    """
    events = []
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None:
            continue
        asset = event.asset_key.to_user_string() if event.is_step_materialization else None
        events.append([entry.timestamp, event.event_type_value, event.step_key, asset])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"run_id": run_id, "events": events}))


def materialize(
    months: list[str],
    as_of: str | None,
    log_level: str = "INFO",
    timings: Path | None = None,
    instance=None,
    full_refresh: bool = False,
) -> int:
    """Run the months as one Dagster run; 0 when it succeeded.

    `instance`: a DagsterInstance to run in and leave open (a test reads the run's events from
    it afterwards); by default the recorded one under DAGSTER_HOME, else one in memory.
    """
    from orchestration.lib.gx_suites import start_worker

    # Great Expectations imports on the other core while Dagster's definitions load here; dbt
    # after them, while files land and the raw checks run (see warm_server).
    start_worker()
    start_server()
    from orchestration.definitions import defs

    warm_server()
    from orchestration.defs.transform.assets import AS_OF_TAG, FULL_REFRESH_TAG

    job = defs.resolve_job_def("monthly_sla_job")
    tags = {AS_OF_TAG: as_of} if as_of else {}
    if full_refresh:
        tags[FULL_REFRESH_TAG] = "true"
    if len(months) == 1:
        partition_key: str | None = partition_key_of(months[0])
    else:
        partition_key = None
        tags |= {
            "dagster/asset_partition_range_start": partition_key_of(months[0]),
            "dagster/asset_partition_range_end": partition_key_of(months[-1]),
        }
    settings = get_settings()
    console.print(
        f"[bold]Materialising {months[0]}"
        + (f" … {months[-1]}" if len(months) > 1 else "")
        + f"[/] from {settings.data_dir} into {settings.duckdb_path}"
        + (
            f" (dbt on Spark, tables in {settings.spark_warehouse})"
            if settings.engine == "spark"
            else ""
        )
    )
    with contextlib.nullcontext(instance) if instance is not None else _instance() as instance:
        result = job.execute_in_process(
            run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
            instance=instance,
            partition_key=partition_key,
            tags=tags,
            raise_on_error=False,
        )
        if timings is not None:
            _write_timings(instance, result.run_id, timings)
    if not result.success:
        console.print("[bold red]The run failed.[/]")
        for event in result.all_events:
            if event.is_step_failure and event.step_key:
                error = event.event_specific_data.error  # type: ignore[union-attr]
                # Dagster wraps the real error: the innermost cause is what a person can act on.
                while error is not None and error.cause is not None:
                    error = error.cause
                message = error.message.strip() if error else "unknown error"
                console.print(f"[red]{event.step_key}[/]: {message}", soft_wrap=True)
        return 1
    return 0


def _months_between(parser: argparse.ArgumentParser, first: str, last: str) -> list[str]:
    """A reversed range is a usage error, said as argparse says the others."""
    try:
        return months_between(first, last)
    except ValueError as error:
        parser.error(str(error))


def print_summary(month: str) -> int:
    import duckdb

    from orchestration.lib.sources import source_counts
    from orchestration.lib.warehouse import connect

    settings = get_settings()
    if not settings.duckdb_path.exists():
        console.print(f"[red]No warehouse at {settings.duckdb_path}: materialise a month first.[/]")
        return 1
    con = connect(settings.duckdb_path, read_only=True)
    try:
        rows = con.execute(
            """select tenant_id, policy_id, deciding_component, uptime_pct, credit_pct,
                      monthly_fee, credit_amount, currency, claim_status, payable,
                      consecutive_breaches, termination_right, refund_amount
               from marts.service_credits where service_month = ? order by tenant_id""",
            [month],
        ).fetchall()
        published = con.execute(
            "select count(*) from marts.publications where service_month = ?", [month]
        ).fetchone()[0]
        counts = source_counts(con)
    except duckdb.CatalogException:  # a warehouse no month has reached the marts of yet
        rows, published, counts = [], 0, {}
    finally:
        con.close()
    if not rows and not published:
        # an empty table would read as "no credits": say the month was never computed here
        console.print(
            f"[red]{month} has not been materialised in {settings.duckdb_path}[/]: "
            f"run `sla materialize --month {month}` first."
        )
        return 1
    table = Table(title=f"Service credits, {month}", show_lines=False)
    for column in (
        "tenant",
        "policy",
        "deciding",
        "uptime %",
        "credit %",
        "monthly fee",
        "credit",
        "cur",
        "claim",
        "payable",
        "breaches",
        "terminate",
        "refund",
    ):
        table.add_column(
            column,
            justify="right"
            if column in ("uptime %", "credit %", "monthly fee", "credit", "breaches", "refund")
            else "left",
        )
    for r in rows:
        table.add_row(
            r[0],
            r[1],
            r[2],
            f"{r[3]:.4f}",
            f"{r[4]:g}",
            f"{r[5]:,}",
            f"{r[6]:,}",
            r[7],
            r[8],
            "yes" if r[9] else "no",
            str(r[10]),
            "YES" if r[11] else "",
            f"{r[12]:,}",
        )
    console.print(table)
    feeless = [r[0] for r in rows if r[5] == 0]
    if feeless:
        console.print(
            f"[yellow]{len(feeless)} tenant(s) have a Monthly Fee of 0 in {month} (no paid "
            f"subscription charge), so their credit is 0: {', '.join(feeless)}[/]",
            soft_wrap=True,
        )
    if counts:
        rows_table = Table(title="Rows read, staged and quarantined (all months)")
        for column in ("source", "read", "staged", "quarantined"):
            rows_table.add_column(column, justify="left" if column == "source" else "right")
        for source, c in counts.items():
            rows_table.add_row(
                source, f"{c['read']:,}", f"{c['staged']:,}", f"{c['quarantined']:,}"
            )
        console.print(rows_table)
        console.print("Quarantined rows are in quarantine.<source> with file, line and reason.")
    return 0


def _credits_in_force() -> dict[str, tuple[frozenset[str], dict[str, object]]]:
    """Per service month: the invoice lines in force, and their total per currency."""
    from orchestration.lib.warehouse import connect

    settings = get_settings()
    if not settings.duckdb_path.exists():
        return {}
    con = connect(settings.duckdb_path, read_only=True)
    try:
        exists = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'marts' and table_name = 'invoice_lines_in_force'"
        ).fetchone()
        if not exists or not exists[0]:
            return {}
        rows = con.execute(
            """select service_month, currency, line_id, credit_amount
               from marts.invoice_lines_in_force order by service_month, currency, line_id"""
        ).fetchall()
    finally:
        con.close()
    months: dict[str, tuple[set[str], dict[str, object]]] = {}
    for month, currency, line_id, amount in rows:
        lines, totals = months.setdefault(month, (set(), {}))
        lines.add(line_id)
        totals[currency] = totals.get(currency, 0) + amount  # type: ignore[operator]
    return {m: (frozenset(lines), totals) for m, (lines, totals) in months.items()}


def _per_currency(totals: dict[str, object]) -> str:
    return ", ".join(f"{currency} {amount:,}" for currency, amount in sorted(totals.items()))


def backfill(months: list[str], as_of: str | None, log_level: str) -> int:
    """A range as one run, then which months' published credits changed.

    A month changed when its lines in force did (a restated credit is a new line), so two
    tenants' changes that offset each other still show; amounts are totals per currency.
    """
    before = _credits_in_force()
    code = materialize(months, as_of, log_level)
    if code != 0:
        return code
    after = _credits_in_force()
    table = Table(title="Backfill: published credits by month (lines in force)")
    for column in ("month", "before", "after", "changed"):
        table.add_column(column)
    for month in months:
        old, new = before.get(month), after.get(month)
        changed = (old[0] if old else frozenset()) != (new[0] if new else frozenset())
        table.add_row(
            month,
            _per_currency(old[1]) if old else "-",
            _per_currency(new[1]) if new else "-",
            "YES" if changed else "",
        )
    console.print(table)
    return 0


def evidence(tenant: str, month: str, out: str | None) -> int:
    from orchestration.lib.evidence import write_evidence
    from orchestration.lib.statements import file_stem
    from orchestration.lib.warehouse import connect

    settings = get_settings()
    target = Path(out) if out else settings.data_dir / "evidence" / file_stem(tenant) / month
    con = connect(settings.duckdb_path, read_only=True)
    try:
        path = write_evidence(con, tenant, month, target)
    except LookupError as exc:
        console.print(f"[red]{exc}[/]")
        return 1
    finally:
        con.close()
    console.print(f"Evidence pack for {tenant} {month} written to {path}")
    return 0


def statement(tenant: str, month: str, lang: str | None, out: str | None, pdf: bool) -> int:
    """A tenant's monthly statement as HTML, and as PDF beside it when Chromium is there."""
    from orchestration.lib.statements import (
        find_chromium,
        print_pdfs,
        statement_dir,
        write_statement,
    )
    from orchestration.lib.warehouse import connect

    settings = get_settings()
    if not settings.duckdb_path.exists():
        console.print(f"[red]No warehouse at {settings.duckdb_path}: materialise a month first.[/]")
        return 1
    target = Path(out) if out else statement_dir(settings.published_dir, month)
    con = connect(settings.duckdb_path, read_only=True)
    try:
        content, paths = write_statement(con, tenant, month, target, [lang] if lang else None)
    except LookupError as exc:
        console.print(f"[red]{exc}[/]")
        return 1
    finally:
        con.close()
    if lang and lang not in content["languages"]:
        console.print(
            f"[yellow]{tenant}'s policy lists {', '.join(content['languages'])}; "
            f"written in {lang} as asked.[/]"
        )
    if content["publication"] is None:
        console.print(f"[yellow]{month} has not been published yet: the statement says so.[/]")
    elif not content["published"]:
        console.print(
            f"[yellow]The marts of {month} differ from its latest publication "
            f"{content['publication']['publication_id']}: the statement is marked as a draft.[/]"
        )
    for path in paths:
        console.print(f"Statement written to {path}", soft_wrap=True)
    if pdf:
        chromium = find_chromium()
        if chromium is None:
            console.print(
                "[yellow]No PDF: Chromium was not found (install the `chromium` package, or "
                "set SLA_CHROMIUM to a Chromium or Chrome binary). The HTML is complete.[/]"
            )
        else:
            printed, failed = print_pdfs(chromium, paths)
            for path in printed:
                console.print(f"PDF written to {path}", soft_wrap=True)
            for failure in failed:
                console.print(f"[red]No PDF for {failure}[/]", soft_wrap=True)
            if failed:
                return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    apply_offline_env()
    parser = argparse.ArgumentParser(prog="sla", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    m = sub.add_parser("materialize", help="run service month(s) end to end")
    m.add_argument("--month", type=_month, help="one service month, YYYY-MM")
    m.add_argument("--from", dest="first", type=_month, help="first month of a range")
    m.add_argument("--to", dest="last", type=_month, help="last month of a range")
    m.add_argument("--as-of", help="ISO instant claims are judged at (default: now)")
    m.add_argument("--summary", action="store_true", help="print the credit summary after")
    m.add_argument("--log-level", default="INFO", help="Dagster log level (DEBUG for every event)")
    m.add_argument(
        "--timings",
        type=Path,
        help="write each step's start and end to this JSON file (where the run's time went)",
    )
    m.add_argument(
        "--full-refresh",
        action="store_true",
        help="recompute every tenant's probe models from every landed row, not only the "
        "tenants whose inputs changed",
    )

    b = sub.add_parser("backfill", help="re-run a range as one run; report changed credits")
    b.add_argument("--from", dest="first", type=_month, required=True)
    b.add_argument("--to", dest="last", type=_month, required=True)
    b.add_argument("--as-of", help="ISO instant claims are judged at (default: now)")
    b.add_argument("--log-level", default="INFO")

    e = sub.add_parser("evidence", help="write the evidence pack behind a tenant-month")
    e.add_argument("--tenant", required=True)
    e.add_argument("--month", type=_month, required=True)
    e.add_argument("--out", help="folder (default SLA_DATA_DIR/evidence/<tenant>/<month>)")

    st = sub.add_parser(
        "statement", help="write a tenant's monthly SLA statement (HTML; PDF with Chromium)"
    )
    st.add_argument("--tenant", required=True)
    st.add_argument("--month", type=_month, required=True)
    st.add_argument(
        "--lang",
        choices=STATEMENT_LANGUAGES,
        help="one language (default: every language the tenant's policy lists)",
    )
    st.add_argument(
        "--out", help="folder (default SLA_DATA_DIR/published/statements/month=YYYY-MM)"
    )
    st.add_argument("--no-pdf", action="store_true", help="write the HTML only")

    s = sub.add_parser("summary", help="print the credit summary of a month")
    s.add_argument("--month", type=_month, required=True)

    sub.add_parser(
        "serve",
        help="keep the platform's libraries imported and run later `sla` commands from here "
        "(about 5 s faster each); Ctrl-C stops it",
    )

    g = sub.add_parser("generate-sample", help="write sample inputs under SLA_DATA_DIR")
    g.add_argument("--force", action="store_true", help="overwrite existing sample data")

    args = parser.parse_args(argv)
    if args.command == "evidence":
        return evidence(args.tenant, args.month, args.out)
    if args.command == "statement":
        return statement(args.tenant, args.month, args.lang, args.out, not args.no_pdf)
    if args.command == "backfill":
        as_of = _normalise_as_of(parser, args.as_of)
        months = _months_between(parser, args.first, args.last)
        _check_partitions(parser, months)
        return backfill(months, as_of, args.log_level.upper())
    if args.command == "materialize":
        if args.month and (args.first or args.last):
            parser.error("use --month, or --from with --to, not both")
        if args.month:
            months = [args.month]
        elif args.first and args.last:
            months = _months_between(parser, args.first, args.last)
        else:
            parser.error("give --month YYYY-MM or --from YYYY-MM --to YYYY-MM")
        _check_partitions(parser, months)
        as_of = _normalise_as_of(parser, args.as_of)
        code = materialize(
            months, as_of, args.log_level.upper(), args.timings, full_refresh=args.full_refresh
        )
        if code == 0 and args.summary:
            code = print_summary(months[-1])
        return code
    if args.command == "summary":
        return print_summary(args.month)
    if args.command == "serve":
        # `sla serve` itself starts in orchestration.lib.sla_server (the entry point); here
        # only when called as a module, whose children then share this module's imports.
        from orchestration.lib.sla_server import serve, socket_path

        serve(socket_path())
        return 0
    if args.command == "generate-sample":
        from orchestration.lib.sample_data import generate_sample_data

        settings = get_settings()
        result = generate_sample_data(Path(settings.data_dir), force=args.force)
        console.print(result)
        return 0
    return 2


def run() -> None:
    """The `sla` command: main() collecting garbage less often (gc_tuning), then exit without
    the interpreter's teardown.

    Freeing every module that Dagster, dbt-core and GX imported takes about 2 s after the work
    is done; by then every file is written and closed, so only the streams need flushing.
    """
    collect_less()
    code = main()
    stop_server()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
