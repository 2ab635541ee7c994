"""Prometheus blackbox exporter: a saved `query_range` answer for `probe_success`.

Each sample of each series is one check result at the sample's instant: `1` passed, `0`
failed. Labels name the tenant, component and location (label names configurable); a series
without them can be mapped by its `instance` (the probed target), and the location falls back
to the `job` label, since blackbox setups usually run one scrape job per prober location.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from ..readers import UnreadableFileError
from .common import PARSE_ERROR, Adapter, AdapterFile, glob_files, read_json, text_keys

TOOL = "prometheus"
METRIC = "probe_success"

DEFAULTS: dict[str, Any] = {
    "tenant_label": "tenant",
    "component_label": "component",
    "location_label": "location",
    "location_fallback_label": "job",
    "instances": {},  # instance label value -> {tenant, component, location}
    "default_component": None,
}


def list_files(folder: Path) -> list[AdapterFile]:
    return [AdapterFile(p) for p in glob_files(folder, ".json", ".json.gz")]


# Sample times as the API writes them: unix seconds with up to millisecond decimals.
UNIX_SECONDS = r"^(\d+)(?:\.(\d{1,6})\d*)?$"


def _labels_text(labels: dict[str, Any]) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def _series_target(labels: dict[str, str], mapping: dict[str, Any], instances: dict) -> dict:
    """Tenant, component and location of one series, or the reason it has none."""
    by_instance = instances.get(labels.get("instance", ""), {}) or {}
    target = {
        "tenant_id": labels.get(mapping["tenant_label"]) or by_instance.get("tenant"),
        "component": labels.get(mapping["component_label"])
        or by_instance.get("component")
        or mapping["default_component"],
        "location": labels.get(mapping["location_label"])
        or by_instance.get("location")
        or labels.get(mapping["location_fallback_label"] or ""),
        "prometheus_instance": labels.get("instance"),
        "_series_error": None,
    }
    name = labels.get("__name__")
    missing = [k for k in ("tenant_id", "component", "location") if not target[k]]
    if name is not None and name != METRIC:
        target["_series_error"] = f"series of {name}, not {METRIC}"
    elif missing:
        target["_series_error"] = (
            f"unmapped Prometheus series {_labels_text(labels)}: no "
            f"{'/'.join(m.removesuffix('_id') for m in missing)} (labels or mapping.yaml instances)"
        )
    return target


def read(entry: AdapterFile, folder: Path, mapping: dict[str, Any]) -> pl.DataFrame:
    path = entry.path
    # numbers as their text: sample times stay exact, with no binary float in between
    doc = read_json(path, numbers_as_text=True)
    if not isinstance(doc, dict) or "status" not in doc:
        raise UnreadableFileError(path, "not a Prometheus API response (no status)")
    if doc["status"] != "success":
        raise UnreadableFileError(
            path,
            f"Prometheus answered status {doc['status']!r}: "
            f"{doc.get('errorType', '')} {doc.get('error', '')}".strip(),
        )
    data = doc.get("data")
    if not isinstance(data, dict) or data.get("resultType") not in ("matrix", "vector"):
        raise UnreadableFileError(path, "not a query_range answer (data.resultType is not matrix)")
    result = data.get("result")
    if not isinstance(result, list):
        raise UnreadableFileError(path, "data.result is not a list")

    instances = text_keys(mapping["instances"])
    targets: list[dict[str, Any]] = []
    series_no: list[int] = []
    times: list[Any] = []
    values: list[Any] = []
    for number, series in enumerate(result, start=1):
        labels = series.get("metric") if isinstance(series, dict) else None
        samples = series.get("values") if isinstance(series, dict) else None
        if isinstance(series, dict) and samples is None and "value" in series:
            samples = [series["value"]]  # an instant query's vector: one sample
        if not isinstance(labels, dict) or not isinstance(samples, list):
            targets.append(
                {"_series_error": "malformed Prometheus series (no metric labels or values)"}
            )
            samples = [None]
        else:
            targets.append(
                _series_target({str(k): str(v) for k, v in labels.items()}, mapping, instances)
            )
        series_no += [number] * len(samples)
        pairs = [s if isinstance(s, list) and len(s) == 2 else (None, None) for s in samples]
        times += [None if t is None else str(t) for t, _ in pairs]
        values += [None if v is None else str(v) for _, v in pairs]

    series_info = pl.DataFrame(
        [{"prometheus_series": n, **t} for n, t in enumerate(targets, start=1)],
        schema={
            "prometheus_series": pl.Int64,
            "tenant_id": pl.String,
            "component": pl.String,
            "location": pl.String,
            "prometheus_instance": pl.String,
            "_series_error": pl.String,
        },
    )
    samples_frame = pl.DataFrame(
        {"prometheus_series": series_no, "_time": times, "_value": values},
        schema={"prometheus_series": pl.Int64, "_time": pl.String, "_value": pl.String},
    ).with_row_index("source_line", offset=1)
    frame = samples_frame.join(
        series_info, on="prometheus_series", how="left", maintain_order="left"
    )
    time, value = pl.col("_time"), pl.col("_value")
    seconds = time.str.extract(UNIX_SECONDS, 1).cast(pl.Int64, strict=False)
    micros = time.str.extract(UNIX_SECONDS, 2).fill_null("").str.pad_end(6, "0").cast(pl.Int64)
    instant = pl.from_epoch(seconds * 1_000_000 + micros, time_unit="us")
    number = value.cast(pl.Float64, strict=False)
    ok = pl.when(number == 1).then(pl.lit("true")).when(number == 0).then(pl.lit("false"))
    reason = (
        pl.when(pl.col("_series_error").is_not_null())
        .then(pl.col("_series_error"))
        .when(time.is_null())
        .then(pl.lit("malformed Prometheus sample (not [time, value])"))
        .when(seconds.is_null())
        .then(pl.format("unparseable Prometheus sample time {}", time))
        .when(ok.is_null())
        .then(pl.format("{} value '{}' is neither 0 nor 1", pl.lit(METRIC), value))
    )
    return frame.select(
        pl.col("source_line").cast(pl.Int64),
        "tenant_id",
        "component",
        "location",
        pl.when(seconds.is_not_null())
        .then(instant.dt.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00"))
        .otherwise(time)
        .alias("checked_at"),
        pl.coalesce(ok, value).alias("ok"),
        pl.col("prometheus_series").cast(pl.String),
        "prometheus_instance",
        reason.alias(PARSE_ERROR),
    )


ADAPTER = Adapter(
    tool=TOOL,
    source="probes",
    reads="Prometheus query_range answers for probe_success (*.json, *.json.gz)",
    defaults=DEFAULTS,
    list_files=list_files,
    read=read,
)
