"""`costcalc bill --engine spark`: the SQL billing rule run by Spark, in local mode or on a cluster.

Each JSON line is read by the default engine's own reference reading, in parallel on the executors, into the
usage relation; Parquet files hold the usage relation itself. Spark SQL then runs the views of `billing.sql`
(transpiled), and the bill is built by the default engine's report code (`rows`). The master comes from
COSTCALC_SPARK_MASTER (default `local[*]`); docs/warehouse.md.
"""

from __future__ import annotations

import os
import re
import socket
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import astuple
from pathlib import Path
from typing import Any

from costcalc.errors import CostcalcError
from costcalc.prices.tables import PriceTables
from costcalc.usage.lookup import PriceLookup
from costcalc.usage.report import UsageBill
from costcalc.warehouse import relation, sql
from costcalc.warehouse.duckdb_engine import read_failure, refuse_parquet_content
from costcalc.warehouse.inputs import UsageInput, resolve_inputs
from costcalc.warehouse.rows import (
    MALFORMED,
    TRUNCATED,
    USAGE_COLUMNS,
    Refused,
    UsageRow,
    assemble,
    collect,
    line_row,
    parquet_columns,
    parquet_order,
)
from costcalc.warehouse.scan import scan_log
from costcalc.warehouse.workdir import private_folder


def session() -> Any:
    """A Spark session: the active one, or a new one on COSTCALC_SPARK_MASTER (default local[*]), in UTC."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise CostcalcError("--engine spark needs PySpark (and Java 17+): pip install 'costcalc[spark]'") from None
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    # Local workers run this interpreter (the one costcalc and its parser are installed in).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    master = os.environ.get("COSTCALC_SPARK_MASTER", "local[*]")
    _check_master(master)
    builder = (SparkSession.builder.appName("costcalc bill")
               .master(master)
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", os.environ.get("COSTCALC_SPARK_PARTITIONS", "8")))
    # The JVM (and the Python workers it starts) write their log to a private file, not to the user's
    # terminal: a successful run prints only costcalc's own lines, and a failed start is told in one line.
    # The JVM keeps its own descriptor of the file once started, so ours can be closed.
    with tempfile.TemporaryFile() as log:
        saved = os.dup(2)
        try:
            sys.stderr.flush()
            os.dup2(log.fileno(), 2)
            try:
                spark = builder.getOrCreate()
                spark.sparkContext.setLogLevel("ERROR")
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
        except Exception as error:
            log.seek(0)
            raise CostcalcError(f"Spark could not start ({_start_reason(error, log.read())}): check Java 17+ / "
                                f"JAVA_HOME, or COSTCALC_SPARK_MASTER ({master})") from None
        finally:
            os.close(saved)
    return spark


def _check_master(master: str) -> None:
    """A standalone master that refuses connections fails in a second instead of after Spark's minute of retries."""
    if not master.startswith("spark://"):
        return
    for address in master[len("spark://"):].split(","):
        host, _, port = address.strip().rpartition(":")
        try:
            with socket.create_connection((host, int(port)), timeout=5):
                return
        except (OSError, ValueError):
            continue
    raise CostcalcError(f"Spark could not start (no master answers at {master}): check COSTCALC_SPARK_MASTER "
                        "(spark://host:port of a running master, or local[*]) and Java 17+ / JAVA_HOME")


def _start_reason(error: Exception, log: bytes) -> str:
    """The first line that says why: the launcher's own complaint (e.g. java not found), else the error's."""
    for line in log.decode(errors="replace").splitlines():
        line = re.sub(r"^.*: line [0-9]+: ", "", line.strip())
        if line and not line.startswith(("WARNING", "Using Spark", "Setting default", "To adjust")) \
                and "WARN" not in line.split()[:4]:
            return line
    return error_line(error)


def error_line(error: BaseException) -> str:
    """The line of a Spark or Py4J error that says what went wrong (not `An error occurred while calling o42`)."""
    java = getattr(error, "java_exception", None)
    text = str(java) if java is not None else str(error)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    found = next((line.lstrip(": ") for line in lines if not line.startswith("An error occurred while calling")),
                 lines[0] if lines else type(error).__name__)
    return found if len(found) <= 300 else found[:300] + "…"


def _schemas() -> tuple[Any, Any, Any]:
    from pyspark.sql import types as t

    price = t.DecimalType(relation.PRICE_PRECISION, relation.PRICE_SCALE)
    kinds = {"platform": t.StringType(), "model": t.StringType(), "effective_from": t.DateType(),
             "effective_to": t.DateType(), "tier": t.StringType(), "batch": t.BooleanType(),
             "prompt_tokens_min": t.LongType(), "prompt_tokens_max": t.LongType(),
             "long_context_threshold": t.LongType(), "per_character": t.BooleanType(), "caching": t.StringType(),
             "min_cache_seconds": t.LongType()}
    prices = t.StructType([t.StructField(name, kinds.get(name, price)) for name in relation.PRICE_COLUMNS])
    names = t.StructType([t.StructField(name, t.StringType()) for name in relation.NAME_COLUMNS])
    texts = ("file", "platform", "kind", "model_name", "cache_name")
    usage = t.StructType([t.StructField(name, t.StringType() if name in texts else
                                        t.BooleanType() if name == "batch" else t.LongType())
                          for name in USAGE_COLUMNS])
    return prices, names, usage


def spark_views(money: bool = True) -> list[str]:
    """The billing views in Spark SQL, as temporary views (they read temporary views)."""
    return [statement.replace("CREATE VIEW", "CREATE OR REPLACE TEMPORARY VIEW", 1)
            for statement in sql.view_statements("spark", money)]



def _parse_partition(lines: Iterator[tuple[bytes, int]], tables: PriceTables, platform: str, name: str,
                     source: int) -> Iterator[UsageRow | Refused]:
    lookup = PriceLookup(tables, platform)
    for raw, index in lines:
        if raw.strip():
            yield line_row(raw, lookup, name, source, index + 1, False)


def bill_spark(files: Sequence[str | Path], tables: PriceTables, platform: str = "gemini-api",
               strict: bool = False, spark: Any = None) -> UsageBill:
    """The bill of JSONL (plain, .gz, `-`) and Parquet usage files, computed by Spark SQL."""
    spark = spark or session()
    tables.models(platform)
    lookup = PriceLookup(tables, platform)
    price_schema, name_schema, usage_schema = _schemas()
    spark.createDataFrame([astuple(row) for row in relation.price_rows(tables)], price_schema) \
        .createOrReplaceTempView(sql.PRICE_TABLE)
    spark.createDataFrame([astuple(row) for row in relation.name_rows(tables)], name_schema) \
        .createOrReplaceTempView(sql.NAME_TABLE)
    spark.range(sql.MAX_LIFETIME_DAYS + 1).withColumnRenamed("id", "day_offset").createOrReplaceTempView(sql.DAYS_TABLE)
    with private_folder("costcalc-spark-") as workdir:
        given_files = resolve_inputs(files, workdir)
        unterminated: dict[int, bool] = {}
        for given in given_files:
            if not given.parquet:
                refuse_parquet_content(given.name, given.path)
                # Hadoop's line reader takes CRLF as one break: no copy needed, only the default engine's checks.
                unterminated[given.index] = scan_log(given.name, given.path, workdir, copy_crlf=False).unterminated
        cached: list[Any] = []
        try:
            return _run(spark, given_files, unterminated, tables, platform, strict, lookup, usage_schema, cached)
        except CostcalcError:
            raise
        except Exception as error:
            if not type(error).__module__.startswith(("pyspark", "py4j")):
                raise
            raise read_failure(error, [(given.name, given.path) for given in given_files if not given.parquet],
                               "Spark", error_line(error)) from None
        finally:
            _settle(spark)
            for frame in cached:
                frame.unpersist()


def _settle(spark: Any, limit_seconds: float = 60.0) -> None:
    """Wait for the jobs Spark still runs for queries already answered.

    Adaptive execution can answer a query early (an empty side of a join) while stages it started for the other
    side still run; if costcalc exited under them, their Python workers would lose the driver and the JVM would
    log a page of `Failed to update accumulator ... Broken pipe` after a correct bill.
    """
    tracker = spark.sparkContext.statusTracker()
    deadline = time.monotonic() + limit_seconds
    while tracker.getActiveJobsIds() and time.monotonic() < deadline:
        time.sleep(0.05)


def _run(spark: Any, given_files: list[UsageInput], unterminated: dict[int, bool], tables: PriceTables,
         platform: str, strict: bool, lookup: PriceLookup, usage_schema: Any, cached: list[Any]) -> UsageBill:
    """The bill, once the inputs are checked; what it caches is listed in `cached` (unpersisted by the caller)."""
    frames, refused, lines = [], [], 0
    for given in given_files:
        name, source, path = given.name, given.index, given.path
        if path.endswith(".parquet"):
            try:
                frame = spark.read.parquet(path)
                lines += frame.count()
            except Exception as error:
                if not type(error).__module__.startswith(("pyspark", "py4j")):
                    raise
                raise CostcalcError(f"{name}: not a readable Parquet file ({error_line(error)}); give Parquet "
                                    "written by --write-usage, or name a JSON Lines log *.jsonl") from None
            frame.createOrReplaceTempView(f"costcalc_input_{source}")
            present = dict(frame.dtypes)
            largest = frame.agg({parquet_order(present): "max"}).collect()[0][0] if "line" in present else 0
            columns = parquet_columns(present, source, name, platform, int(largest or 0))
            frames.append(spark.sql(f"SELECT {', '.join(columns)} FROM costcalc_input_{source}"))
            continue
        parsed = spark.sparkContext.textFile(path, use_unicode=False).zipWithIndex().mapPartitions(
            lambda part, n=name, s=source: _parse_partition(part, tables, platform, n, s)).cache()
        cached.append(parsed)
        bad = parsed.filter(lambda item: isinstance(item, Refused)).collect()
        lines += parsed.count()
        if bad and bad[-1].record.code == MALFORMED.code:
            total = spark.sparkContext.textFile(path, use_unicode=False).count()
            if bad[-1].record.line == total and unterminated[source]:
                last = bad.pop()
                bad.append(Refused(last.order, type(last.record)(last.record.file, last.record.line,
                                                                  TRUNCATED.code, TRUNCATED.reason)))
        refused += bad
        rows = parsed.filter(lambda item: not isinstance(item, Refused))
        frames.append(spark.createDataFrame(rows, usage_schema))
    usage = frames[0] if frames else spark.createDataFrame([], usage_schema)
    for frame in frames[1:]:
        usage = usage.unionByName(frame)
    usage.cache().createOrReplaceTempView(sql.USAGE_TABLE)
    cached.append(usage)
    for statement in spark_views(money=False):
        spark.sql(statement)
    found = collect(lambda query: spark.sql(sql.transpile(query, "spark")[0]).collect(), lookup)
    return assemble(platform, tables, found, refused, lines, strict)
