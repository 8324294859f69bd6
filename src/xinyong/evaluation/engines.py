"""The one place where engines differ: how the logical tables are bound to the Parquet snapshot.

Every engine reads the same layout (snapshot.py):

    <snapshot>/subjects/*.parquet  records/*.parquet  manual_scores/*.parquet  [record_status/*.parquet]
    <snapshot>/manifest.json

Files written at different times may carry different `f_<field>` columns (the catalogue grows), so
DuckDB reads with union_by_name and Spark with mergeSchema, and a column a model needs but no file
has yet is added as NULL. When an incremental export re-exported a changed record, the manifest says
`superseded` and the view keeps only the newest copy (highest `_part`). Moving from DuckDB to a Spark
cluster is a matter of pointing at the same directory (a path on HDFS/S3 works the same way).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.parquet as pq

from xinyong.evaluation.compiler import MANUAL_SCHEMA, STATUS_SCHEMA, records_schema, subjects_schema

ENGINES = ("duckdb", "spark", "python")
_DUCK_TYPES = {"string": "VARCHAR", "int32": "INTEGER", "int64": "BIGINT", "float64": "DOUBLE"}
_SPARK_TYPES = {"string": "string", "int32": "int", "int64": "bigint", "float64": "double"}


def manifest(snapshot: Path) -> dict[str, Any]:
    path = snapshot / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def has_status(snapshot: Path) -> bool:
    return any((snapshot / "record_status").glob("*.parquet"))


def table_schemas(fields: set[str], attributes: set[str], snapshot: Path) -> dict[str, dict[str, str]]:
    out = {
        "subjects": subjects_schema(attributes),
        "records": records_schema(fields),
        "manual_scores": MANUAL_SCHEMA,
    }
    if has_status(snapshot):
        out["record_status"] = STATUS_SCHEMA
    return out


def _files(snapshot: Path, name: str) -> list[Path]:
    return sorted((snapshot / name).glob("*.parquet"))


def _present_columns(files: list[Path]) -> set[str]:
    cols: set[str] = set()
    for f in files:
        cols |= set(pq.read_schema(f).names)
    return cols


# ---------------------------------------------------------------- DuckDB


@dataclass(frozen=True)
class DuckLimits:
    """DuckDB resources: `threads` (default: all cores), `memory_limit` ("6GB"; default 80 % of RAM)
    and `temp_directory`, where hash tables spill when they outgrow the memory limit."""

    threads: int | None = None
    memory_limit: str | None = None
    temp_directory: Path | None = None

    def config(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.threads:
            out["threads"] = self.threads
        if self.memory_limit:
            out["memory_limit"] = self.memory_limit
        if self.temp_directory:
            out["temp_directory"] = str(self.temp_directory)
        return out


def duckdb_connect(
    snapshot: Path, fields: set[str], attributes: set[str] = frozenset(), *, limits: DuckLimits = DuckLimits()
) -> ibis.BaseBackend:
    con = ibis.duckdb.connect(**limits.config())
    con.raw_sql("SET preserve_insertion_order = false")  # no result promises an order; saves memory
    superseded = bool(manifest(snapshot).get("superseded"))
    for name, schema in table_schemas(fields, attributes, snapshot).items():
        files = _files(snapshot, name)
        if not files:
            cols = ", ".join(f'CAST(NULL AS {_DUCK_TYPES[t]}) AS "{c}"' for c, t in schema.items())
            con.raw_sql(f"CREATE OR REPLACE VIEW {name} AS SELECT {cols} WHERE false")
            continue
        present = _present_columns(files)
        cols = ", ".join(
            (
                f'CAST("{c}" AS {_DUCK_TYPES[t]}) AS "{c}"'
                if c in present
                else f'CAST(NULL AS {_DUCK_TYPES[t]}) AS "{c}"'
            )
            for c, t in schema.items()
        )
        paths = "[" + ", ".join(f"'{f.as_posix()}'" for f in files) + "]"
        src = f"read_parquet({paths}, union_by_name=true)" if len(files) > 1 else f"read_parquet({paths})"
        if name == "records" and superseded and "_part" in present:
            src = f"(SELECT * FROM {src} QUALIFY row_number() OVER (PARTITION BY id ORDER BY _part DESC) = 1)"
        con.raw_sql(f"CREATE OR REPLACE VIEW {name} AS SELECT {cols} FROM {src}")
    return con


def run_duckdb(
    sql: str,
    snapshot: Path,
    fields: set[str],
    attributes: set[str] = frozenset(),
    *,
    limits: DuckLimits = DuckLimits(),
) -> pa.Table:
    """Run a compiled query; the result as Arrow with integral columns as int64."""
    con = duckdb_connect(snapshot, fields, attributes, limits=limits)
    try:
        return normalise_types(con.con.sql(sql).to_arrow_table())
    finally:
        con.disconnect()


def copy_duckdb(
    select_sql: str,
    out: Path,
    snapshot: Path,
    fields: set[str],
    attributes: set[str] = frozenset(),
    *,
    limits: DuckLimits = DuckLimits(),
) -> int:
    """Stream a query's rows into a Parquet file with COPY … TO (nothing passes through Python);
    returns the number of rows written."""
    con = duckdb_connect(snapshot, fields, attributes, limits=limits)
    try:
        target = out.as_posix().replace("'", "''")
        return int(con.con.execute(f"COPY ({select_sql}) TO '{target}' (FORMAT parquet)").fetchone()[0])
    finally:
        con.disconnect()


def normalise_types(table: pa.Table) -> pa.Table:
    """Engines type integer results differently although the values agree: DuckDB sums BIGINT into
    HUGEINT (decimal128(38,0)) and keeps INTEGER for day differences, Spark widens to BIGINT, and Ibis
    elides casts it believes are no-ops. Every integral column becomes int64 (values always fit)."""

    def target(t: pa.DataType) -> pa.DataType:
        if pa.types.is_integer(t) or (pa.types.is_decimal(t) and t.scale == 0):
            return pa.int64()
        return t

    return table.cast(pa.schema([pa.field(f.name, target(f.type)) for f in table.schema]))


# ---------------------------------------------------------------- Spark


def spark_session(master: str = "local[2]") -> Any:
    """A local SparkSession; on a cluster, build your own session and pass it to run_spark."""
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master(master)
        .appName("xinyong-evaluate")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "8")
        .getOrCreate()
    )


def spark_bind(session: Any, snapshot: Path, fields: set[str], attributes: set[str] = frozenset()) -> None:
    from pyspark.sql import functions as F  # noqa: N812 - Spark's own convention
    from pyspark.sql.window import Window

    superseded = bool(manifest(snapshot).get("superseded"))
    for name, schema in table_schemas(fields, attributes, snapshot).items():
        files = _files(snapshot, name)
        ddl = ", ".join(f"`{c}` {_SPARK_TYPES[t]}" for c, t in schema.items())
        if not files:
            session.createDataFrame([], ddl).createOrReplaceTempView(name)
            continue
        df = session.read.option("mergeSchema", "true").parquet(*[f.as_posix() for f in files])
        if name == "records" and superseded and "_part" in df.columns:
            w = Window.partitionBy("id").orderBy(F.col("_part").desc())
            df = df.withColumn("_rn", F.row_number().over(w)).filter("_rn = 1")
        cols = [
            (F.col(c) if c in df.columns else F.lit(None)).cast(_SPARK_TYPES[t]).alias(c)
            for c, t in schema.items()
        ]
        df.select(*cols).createOrReplaceTempView(name)


def run_spark(
    sql: str, snapshot: Path, fields: set[str], attributes: set[str] = frozenset(), *, session: Any = None
) -> pa.Table:
    """Run a compiled plan's Spark SQL over temp views of the snapshot; the result as Arrow."""
    session = session or spark_session()
    spark_bind(session, snapshot, fields, attributes)
    return normalise_types(session.sql(sql).toArrow())


# ---------------------------------------------------------------- Python


def read_rows(
    snapshot: Path, fields: set[str], attributes: set[str] = frozenset(), *, district: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """The logical tables as dicts for the python engine, read through the same DuckDB views so
    dedupe and missing columns behave exactly as for the compiled engines."""
    con = duckdb_connect(snapshot, fields, attributes)
    try:
        out = {}
        for name in table_schemas(fields, attributes, snapshot):
            table = con.table(name)
            if district and name == "subjects":
                # tenants of a carrier may sit in another district; keep them (parent_id set)
                table = table.filter((table.district_code == district) | table.parent_id.notnull())
            out[name] = con.to_pyarrow(table).to_pylist()
        return out
    finally:
        con.disconnect()
