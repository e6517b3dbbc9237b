"""tools/build-tilt.sh: idempotent, and the cached binary is the pinned, page-embedding build."""

import os
import subprocess
from pathlib import Path

from devstack import versions

ROOT = versions.repo_root()
SCRIPT = ROOT / "tools" / "build-tilt.sh"


def build(cache: Path) -> tuple[subprocess.CompletedProcess[str], bool]:
    """The script with a `go` that only notes it was asked: (result, whether Go was asked)."""
    fake = cache / "fake-bin"
    fake.mkdir()
    (fake / "go").write_text(f"#!/bin/sh\ntouch {fake}/asked\nexit 3\n")
    (fake / "go").chmod(0o755)
    result = subprocess.run(
        ["bash", str(SCRIPT), versions.TILT_VERSION, versions.TILT_SUM],
        env={**os.environ, "DAPR_TODO_CACHE": str(cache), "PATH": f"{fake}:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    return result, (fake / "asked").exists()


def test_a_cached_binary_of_this_page_is_kept(tmp_path: Path) -> None:
    real = versions.tilt_bin().parent / "web.sha256"
    binary = tmp_path / "tilt" / versions.TILT_VERSION / "tilt"
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    (binary.parent / "web.sha256").write_text(real.read_text())
    result, asked_go = build(tmp_path)
    assert result.returncode == 0, result.stderr
    assert not asked_go
    assert binary.read_text() == "#!/bin/sh\n"


def test_a_binary_of_another_page_is_rebuilt(tmp_path: Path) -> None:
    binary = tmp_path / "tilt" / versions.TILT_VERSION / "tilt"
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    (binary.parent / "web.sha256").write_text("0" * 64 + "\n")
    result, asked_go = build(tmp_path)
    assert asked_go and result.returncode != 0


def test_the_bootstrapped_tilt_is_the_pinned_release_with_a_web_page() -> None:
    tilt = versions.tilt_bin()
    assert tilt.exists(), f"{tilt} missing: run `make bootstrap`"
    out = subprocess.run([str(tilt), "version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith(f"v{versions.TILT_VERSION},")
    # Tilt's own UI where `make tilt-web-ui` built it, else the status page.
    own_ui = versions.cache_dir() / "tilt" / f"web-ui-{versions.TILT_VERSION}" / "build"
    web = own_ui if (own_ui / "index.html").exists() else ROOT / "tools" / "tilt-web"
    assert (web / "index.html").read_bytes() in tilt.read_bytes(), f"{web} not embedded"
