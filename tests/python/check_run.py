#!/usr/bin/env python3
"""Check a Cascade run directory with the readers people will use on it.

Usage: python3 tests/python/check_run.py RUN_DIR

Loads RUN_DIR/timeseries.parquet and RUN_DIR/events.parquet with DuckDB and with pandas and
checks that every expected column is there with a sensible type in both, that required columns
have no nulls, that both readers see the same row and non-null counts, and that times never go
backwards (events' seq strictly increases). If RUN_DIR/summary.json exists it must be a JSON
object with the keys scenario, seed, version, digest, audit and metrics.

Exit status: 0 when every check passes, 1 when any fails (each failure is printed), 2 for a
usage error, a missing file or a missing Python package (pip install duckdb pandas pyarrow).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

# Column name -> (kind, nullable). Kinds: "int" (Int64), "uint" (UInt64), "float" (Float64),
# "str" (Utf8, possibly dictionary-encoded). Order is the file's column order.
TIMESERIES = {
    "time_s": ("int", False),
    "venue": ("str", False),
    "market": ("str", False),
    "last": ("float", True),
    "mark": ("float", True),
    "oracle": ("float", True),
    "reference": ("float", True),
    "best_bid": ("float", True),
    "best_ask": ("float", True),
    "spread_bps": ("float", True),
    "depth_1pct_usd": ("float", False),
    "depth_5pct_usd": ("float", False),
    "open_interest": ("float", False),
    "open_interest_usd": ("float", False),
    "funding_rate": ("float", False),
    "liquidated_long_usd": ("float", False),
    "liquidated_short_usd": ("float", False),
    "insurance_fund_usd": ("float", False),
    "vault_equity_usd": ("float", False),
    "adl_usd": ("float", False),
}

EVENTS = {
    "time_ns": ("int", False),
    "seq": ("uint", False),
    "venue": ("str", False),
    "kind": ("str", False),
    "account": ("int", True),
    "counterparty": ("int", True),
    "market": ("str", True),
    "order_id": ("uint", True),
    "side": ("str", True),
    "price": ("float", True),
    "size": ("float", True),
    "amount_usd": ("float", True),
    "reason": ("str", True),
    "detail": ("str", False),
}

TABLES = {
    "timeseries.parquet": (TIMESERIES, "time_s"),
    "events.parquet": (EVENTS, "time_ns"),
}

SUMMARY_KEYS = ("scenario", "seed", "version", "digest", "audit", "metrics")

# DuckDB's names for each kind.
DUCKDB_TYPES = {
    "int": {"BIGINT"},
    "uint": {"UBIGINT"},
    "float": {"DOUBLE"},
    "str": {"VARCHAR"},
}


class Problems:
    """Collects failures so one run reports all of them."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, what: str) -> None:
        self.items.append(f"{where}: {what}")


def sql_path(path: Path) -> str:
    """A path as a DuckDB string literal."""
    return "'" + str(path).replace("'", "''") + "'"


def check_duckdb(duckdb, path: Path, columns: dict, time_col: str, problems: Problems):
    """Checks one file with DuckDB; returns (row count, non-null counts) or None."""
    where = f"{path.name} (duckdb)"
    try:
        return _check_duckdb(duckdb, path, columns, time_col, problems, where)
    except Exception as e:  # noqa: BLE001 - any reader error is a failed check
        problems.add(where, f"cannot read or query the file: {e}")
        return None


def _check_duckdb(duckdb, path, columns, time_col, problems, where):
    src = sql_path(path)
    described = duckdb.sql(f"describe select * from {src}").fetchall()
    types = {row[0]: row[1] for row in described}
    well_typed = set()
    for name, (kind, _) in columns.items():
        if name not in types:
            problems.add(where, f"column '{name}' is missing (columns: {', '.join(types)})")
        elif types[name] not in DUCKDB_TYPES[kind]:
            expected = " or ".join(sorted(DUCKDB_TYPES[kind]))
            problems.add(where, f"column '{name}' has type {types[name]}, expected {expected}")
        else:
            well_typed.add(name)
    present = [name for name in columns if name in types]
    counts = "".join(f', count("{name}")' for name in present)
    row = duckdb.sql(f"select count(*){counts} from {src}").fetchall()[0]
    rows, non_null = row[0], dict(zip(present, row[1:]))
    for name in present:
        if not columns[name][1] and non_null[name] != rows:
            nulls = rows - non_null[name]
            problems.add(where, f"column '{name}' must not be null but has {nulls} nulls")
    # file_row_number keeps the file's own order, whatever the scan's parallelism.
    order_rules = (
        (time_col, "must never decrease", "< 0"),
        ("seq", "must strictly increase", "<= 0"),
    )
    for col, rule, bad in order_rules:
        if col not in columns or col not in well_typed:
            continue
        steps = duckdb.sql(
            f'select count(*) from (select "{col}"::hugeint - lag("{col}"::hugeint) over '
            f"(order by file_row_number) as step "
            f"from read_parquet({src}, file_row_number = true)) where step {bad}"
        ).fetchall()[0][0]
        if steps:
            problems.add(where, f"'{col}' {rule} but does not at {steps} row(s)")
    return rows, non_null


def pandas_kind_ok(pd, series, kind: str, nullable: bool) -> bool:
    """Whether pandas' dtype for a column is a sensible reading of its Parquet type."""
    types = pd.api.types
    dtype = series.dtype
    if kind in ("int", "uint"):
        if types.is_integer_dtype(dtype):
            return kind == "int" or types.is_unsigned_integer_dtype(dtype)
        # pandas' default NumPy backend reads a nullable integer column with nulls as float64.
        return nullable and types.is_float_dtype(dtype) and bool(series.isna().any())
    if kind == "float":
        return types.is_float_dtype(dtype)
    if isinstance(dtype, pd.CategoricalDtype):
        categories = dtype.categories
        return len(categories) == 0 or types.is_string_dtype(categories.dtype)
    return types.is_string_dtype(dtype)


def check_pandas(pd, path: Path, columns: dict, time_col: str, problems: Problems):
    """Checks one file with pandas; returns (row count, non-null counts) or None."""
    where = f"{path.name} (pandas)"
    try:
        frame = pd.read_parquet(path)
    except Exception as e:  # noqa: BLE001 - any reader error is a failed check
        problems.add(where, f"cannot read the file: {e}")
        return None
    well_typed = set()
    for name, (kind, nullable) in columns.items():
        if name not in frame.columns:
            problems.add(where, f"column '{name}' is missing (columns: {', '.join(frame.columns)})")
            continue
        series = frame[name]
        if pandas_kind_ok(pd, series, kind, nullable):
            well_typed.add(name)
        else:
            problems.add(where, f"column '{name}' has dtype {series.dtype}, expected {kind}")
        if not nullable and series.isna().any():
            nulls = int(series.isna().sum())
            problems.add(where, f"column '{name}' must not be null but has {nulls} nulls")
    if time_col in well_typed and not frame[time_col].is_monotonic_increasing:
        steps = frame[time_col].diff()
        first = int((steps < 0).to_numpy().nonzero()[0][0])
        problems.add(
            where,
            f"'{time_col}' goes backwards at row {first}: "
            f"{frame[time_col].iloc[first - 1]} then {frame[time_col].iloc[first]}",
        )
    if "seq" in well_typed and len(frame) > 1:
        # Compare neighbours directly: diff() of uint64 would wrap instead of going negative.
        seq = frame["seq"].to_numpy()
        if not (seq[1:] > seq[:-1]).all():
            problems.add(where, "'seq' must strictly increase (it is the global event order)")
    non_null = {name: int(frame[name].count()) for name in columns if name in frame.columns}
    return len(frame), non_null


def check_table(duckdb, pd, run_dir: Path, file_name: str, problems: Problems) -> str | None:
    columns, time_col = TABLES[file_name]
    path = run_dir / file_name
    if not path.is_file():
        problems.add(file_name, f"missing: {path} does not exist or is not a file")
        return None
    from_duckdb = check_duckdb(duckdb, path, columns, time_col, problems)
    from_pandas = check_pandas(pd, path, columns, time_col, problems)
    if from_duckdb is None or from_pandas is None:
        return None
    (duck_rows, duck_counts), (pd_rows, pd_counts) = from_duckdb, from_pandas
    if duck_rows != pd_rows:
        problems.add(file_name, f"row counts disagree: duckdb {duck_rows}, pandas {pd_rows}")
    for name in columns:
        if name in duck_counts and name in pd_counts and duck_counts[name] != pd_counts[name]:
            problems.add(
                file_name,
                f"non-null counts of '{name}' disagree: duckdb {duck_counts[name]}, "
                f"pandas {pd_counts[name]}",
            )
    return f"{file_name}: {duck_rows} rows"


def check_summary(run_dir: Path, problems: Problems) -> str | None:
    path = run_dir / "summary.json"
    if not path.exists():
        return None
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        problems.add("summary.json", f"cannot parse {path}: {e}")
        return None
    if not isinstance(summary, dict):
        problems.add("summary.json", f"must be a JSON object, found {type(summary).__name__}")
        return None
    missing = [key for key in SUMMARY_KEYS if key not in summary]
    if missing:
        problems.add(
            "summary.json",
            f"missing key(s) {', '.join(missing)} (expected {', '.join(SUMMARY_KEYS)})",
        )
    return "summary.json: ok" if not missing else None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", type=Path, help="a run directory written by Cascade")
    args = parser.parse_args(argv)
    run_dir: Path = args.run_dir
    if not run_dir.is_dir():
        print(f"check_run: {run_dir} is not a directory", file=sys.stderr)
        return 2
    try:
        import duckdb
        import pandas as pd
    except ImportError as e:
        print(f"check_run: {e}; install with: pip install duckdb pandas pyarrow", file=sys.stderr)
        return 2

    problems = Problems()
    notes = [check_table(duckdb, pd, run_dir, name, problems) for name in TABLES]
    notes.append(check_summary(run_dir, problems))
    if problems.items:
        print(f"check_run: {run_dir}: {len(problems.items)} problem(s):", file=sys.stderr)
        for item in problems.items:
            print(f"  FAIL {item}", file=sys.stderr)
        return 1
    print(f"check_run: {run_dir}: ok ({'; '.join(n for n in notes if n)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
