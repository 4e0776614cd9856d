"""Shared pytest fixtures."""

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """The folder of the reference program's outputs (shared/reference).

    Looked for in $MICROGPT_REFERENCE_DIR, then <repo root>/../shared/reference, then
    /work/shared/reference. Missing everywhere: skip, except on CI (CI=true), where it fails.
    """
    candidates = []
    if os.environ.get("MICROGPT_REFERENCE_DIR"):
        candidates.append(Path(os.environ["MICROGPT_REFERENCE_DIR"]))
    candidates += [REPO_ROOT.parent / "shared" / "reference", Path("/work/shared/reference")]
    for path in candidates:
        if path.is_dir():
            return path
    reason = "reference data not found; looked in: " + ", ".join(str(p) for p in candidates)
    if os.environ.get("CI") == "true":
        pytest.fail(reason + " (CI must have it)")
    pytest.skip(reason + " (set MICROGPT_REFERENCE_DIR to run these tests)")
