"""The product ships the base categorizer's training set: a checkout with nothing beside it builds the model.

``make run`` builds the model through ``make models``; these tests run that target in a copy of the
repository placed where no ``../shared`` exists, as on a newcomer's machine.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from finance.categorization.classifier import CategorizerModel, Item
from finance.categorization.datasets import SHIPPED_DATA_DIR, US_TRAIN_FILE, US_VAL_FILE, find, load_us_dataset
from finance.categorization.merchants import DirectoryView, MerchantDirectory

REPO = Path(settings.BASE_DIR)
SHARED_DATA = REPO.parent / "shared" / "data" / "categorization"
VENV = Path(sys.executable).parent.parent
GIT = shutil.which("git") or "git"
MAKE = shutil.which("make") or "make"


def test_the_shipped_files_are_the_published_sets_unchanged() -> None:
    for name in (US_TRAIN_FILE, US_VAL_FILE):
        shipped = find(SHIPPED_DATA_DIR, name)
        assert shipped is not None
        assert shipped.suffix == ".gz"
        assert gzip.decompress(shipped.read_bytes()) == (SHARED_DATA / name).read_bytes()
    assert "MIT License" in (SHIPPED_DATA_DIR / "LICENSE").read_text()
    assert load_us_dataset(SHIPPED_DATA_DIR) == load_us_dataset(SHARED_DATA)


def _checkout(tmp_path: Path) -> Path:
    """The repository's files (committed or not, as ``git ls-files`` lists them) with no ``../shared``."""
    listed = subprocess.run(
        [GIT, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        check=True,
        capture_output=True,
    ).stdout.decode()
    root = tmp_path / "newcomer" / "finance-tracker"
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    assert not (root.parent / "shared").exists()
    # The npm packages `make assets` installs (the merchant directory is built from one), as on a machine
    # that ran it; `-o` below keeps make from running npm ci again.
    (root / "node_modules").symlink_to(REPO / "node_modules", target_is_directory=True)
    return root


def _make_models(root: Path, model_dir: Path) -> subprocess.CompletedProcess[str]:
    # This test's virtualenv stands in for the one `make` would create; `-o` keeps make from reinstalling it.
    env = {**os.environ, "CATEGORIZATION_MODEL_DIR": str(model_dir)}
    return subprocess.run(
        [
            MAKE,
            "--no-print-directory",
            f"VENV={VENV}",
            "-o",
            f"{VENV}/.base-installed",
            "-o",
            "node_modules/.installed",
            "models",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_make_models_in_a_checkout_without_shared_builds_the_base_model(tmp_path: Path) -> None:
    root = _checkout(tmp_path)
    model_dir = tmp_path / "models"

    built = _make_models(root, model_dir)

    assert built.returncode == 0, built.stdout + built.stderr
    artifact = model_dir / Path(settings.BASE_CATEGORIZER_PATH).name
    model = CategorizerModel.load(artifact)
    assert model.metadata.version == settings.BASE_CATEGORIZER_VERSION
    assert model.metadata.n_examples == 28_688
    assert len(model.metadata.labels) == 17
    directory = MerchantDirectory.load(model_dir / "merchant-directory.json.gz")
    assert model.metadata.directory == directory.ident
    view = DirectoryView(directory, "us")
    assert model.predict([Item(description="debit shell - denver")], directory=view)[0][0].category == "Transportation"
    # A fuel brand the training set never names, known from the directory alone.
    assert not any("sasol" in e.description for e in load_us_dataset(SHIPPED_DATA_DIR))
    sasol = model.predict([Item(description="debit sasol - denver")], directory=DirectoryView(directory, "za"))
    assert sasol[0][0].category == "Transportation"

    again = _make_models(root, model_dir)
    assert again.returncode == 0
    assert "Merchant directory (NSI" in again.stdout
    assert "Base categorizer base-v1 already at" in again.stdout


def test_make_models_fails_loudly_when_the_training_set_is_gone(tmp_path: Path) -> None:
    root = _checkout(tmp_path)
    shutil.rmtree(root / "finance" / "categorization" / "data")

    built = _make_models(root, tmp_path / "models")

    assert built.returncode != 0
    assert "Cannot build the base categorizer" in built.stderr
    assert not (tmp_path / "models" / Path(settings.BASE_CATEGORIZER_PATH).name).exists()
