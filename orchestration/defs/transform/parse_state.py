"""dbt's saved parse, handed from one run to the next even when the warehouse moves.

dbt keeps its parse of the project in `partial_parse.msgpack` and throws it away when the hash
of the profile's connection details changes, then parses everything again (about 5 s). The
warehouse path is one of those details, yet nothing in the parse depends on it: dbt stores the
database name (the file's stem), never the path. So a parse made for one warehouse is good for
another with the same stem and the same everything else, and the test suite and the benchmark
(a fresh warehouse per world or run) need not pay the full parse each time.

Runs keep their parse in target/parse_state/, one file per set of connection details other
than the path (so DuckDB and Spark runs do not displace each other). A run gets a copy of the
file for its details, labelled with its own profile hash, through dbt's
DBT_PARTIAL_PARSE_FILE_PATH. Without such a file dbt parses in full, as it would anyway.
"""

from __future__ import annotations

import hashlib
import os
import pprint
import shutil
import threading
from argparse import Namespace
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgpack

PARSE_FILE = "partial_parse.msgpack"
STORE = "parse_state"


def connection_details(
    profiles_dir: Path, profile_name: str, env: Mapping[str, str] | None = None
) -> list[tuple[str, Any]]:
    """The (key, value) pairs dbt hashes into `profile_hash`, rendered from `env` (default:
    this process's environment, which the dbt subprocess inherits)."""
    from dbt.config.profile import Profile, read_profile
    from dbt.config.renderer import ProfileRenderer
    from dbt.flags import set_from_args
    from dbt_common.context import set_invocation_context

    set_invocation_context(dict(os.environ if env is None else env))
    set_from_args(Namespace(), None)
    profile = Profile.from_raw_profiles(
        read_profile(str(profiles_dir)), profile_name, ProfileRenderer({})
    )
    return sorted(profile.credentials.connection_info())


def profile_hash(details: list[tuple[str, Any]]) -> str:
    """dbt's own formula (ManifestLoader.build_manifest_state_check)."""
    return hashlib.sha256(pprint.pformat(details).encode("utf-8")).hexdigest()


def _stored(target_dir: Path, details: list[tuple[str, Any]]) -> Path:
    """Where parses for these details, whatever the path, are kept."""
    key = profile_hash([pair for pair in details if pair[0] != "path"])[:16]
    return target_dir / STORE / f"{key}.msgpack"


def _label(parse_file: Path) -> tuple[dict[str, Any], str] | None:
    """The saved parse and the profile hash it is labelled with, or None if unreadable."""
    try:
        state = msgpack.unpackb(parse_file.read_bytes(), strict_map_key=False)
        return state, state["state_check"]["profile_hash"]["checksum"]
    except (OSError, ValueError, KeyError, TypeError, msgpack.UnpackException):
        return None


def _scratch(folder: Path, stem: str) -> Path:
    return folder / f".{stem}.{os.getpid()}-{threading.get_ident()}.msgpack"


def relabelled_parse(target_dir: Path, details: list[tuple[str, Any]]) -> Path | None:
    """A copy of the kept parse labelled for `details`, or None when dbt must parse in full."""
    stored = _stored(target_dir, details)
    saved = _label(stored)
    if saved is None:
        return None
    state, _ = saved
    state["state_check"]["profile_hash"]["checksum"] = profile_hash(details)
    copy = _scratch(stored.parent, "run")
    copy.write_bytes(msgpack.packb(state, use_bin_type=True))
    return copy


def keep_parse(produced: Path, target_dir: Path, details: list[tuple[str, Any]] | None) -> None:
    """Keep the parse a run made (`produced`), for the next run with the same details.

    dbt writes a parse only when it parsed something; otherwise the file dagster-dbt put in
    the invocation's folder is an older one, labelled for another run, and is not kept.
    """
    label = _label(produced)
    if label is None or details is None or label[1] != profile_hash(details):
        return
    stored = _stored(target_dir, details)
    stored.parent.mkdir(parents=True, exist_ok=True)
    staged = _scratch(stored.parent, "kept")
    shutil.copyfile(produced, staged)
    staged.replace(stored)  # atomic: a run starting now reads one whole file or the other


def forget_copy(copy: Path | None) -> None:
    if copy is not None:
        copy.unlink(missing_ok=True)
