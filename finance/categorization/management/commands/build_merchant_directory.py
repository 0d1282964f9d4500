"""Build the merchant directory from the name-suggestion-index and country-coder npm packages."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from finance.categorization.merchants import DirectoryLoadError, MerchantDirectory, build, write

NSI = Path("name-suggestion-index")
COUNTRY_CODER = Path("@rapideditor") / "country-coder"


def _read_json(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as stream:
            return json.load(stream)
    except FileNotFoundError as exc:
        raise CommandError(
            f"{path} not found: the merchant directory is built from the npm packages name-suggestion-index and "
            "@rapideditor/country-coder; run `make assets` (npm ci) or pass --packages"
        ) from exc
    except ValueError as exc:
        raise CommandError(f"{path} is not JSON: {exc}") from exc


class Command(BaseCommand):
    help = (
        "Build the merchant directory (brands, their OpenStreetMap tags and countries) from the "
        "name-suggestion-index package in node_modules and write it to MERCHANT_DIRECTORY_PATH."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--packages", type=Path, default=None, help="node_modules folder (default: MERCHANT_DIRECTORY_PACKAGES)"
        )
        parser.add_argument(
            "--output", type=Path, default=None, help="artifact path (default: MERCHANT_DIRECTORY_PATH)"
        )
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="do nothing when the artifact is there and built from the installed package version (set-up)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        packages: Path = options["packages"] or Path(settings.MERCHANT_DIRECTORY_PACKAGES)
        output: Path = options["output"] or Path(settings.MERCHANT_DIRECTORY_PATH)
        nsi_dir = packages / NSI
        nsi_package = _read_json(nsi_dir / "package.json")
        version = str(nsi_package.get("version", ""))
        if options["if_missing"] and output.exists():
            try:
                existing = MerchantDirectory.load(output)
            except DirectoryLoadError as exc:
                self.stdout.write(f"Rebuilding: {exc}")
            else:
                if existing.version == version:
                    self.stdout.write(f"Merchant directory (NSI {version}) already at {output}")
                    return
                self.stdout.write(f"Rebuilding: built from NSI {existing.version}, {version} is installed")
        started = time.perf_counter()
        dist = nsi_dir / "dist" / "json"
        nsi = _read_json(dist / "nsi.min.json")
        coder_dir = packages / COUNTRY_CODER
        coder_package = _read_json(coder_dir / "package.json")
        notice = "\n\n".join(
            (
                "Brands, names and tags: name-suggestion-index "
                f"{version} (https://github.com/osmlab/name-suggestion-index), BSD-3-Clause:",
                (nsi_dir / "LICENSE.md").read_text(encoding="utf-8").strip(),
                f"Countries of regions: country-coder {coder_package.get('version', '')} "
                "(https://github.com/rapideditor/country-coder), ISC:",
                (coder_dir / "LICENSE.md").read_text(encoding="utf-8").strip(),
            )
        )
        content = build(
            nsi,
            generic_words=_read_json(dist / "genericWords.min.json").get("genericWords", []),
            match_groups=_read_json(dist / "matchGroups.min.json").get("matchGroups", {}),
            borders=_read_json(coder_dir / "src" / "data" / "borders.json"),
            notice=notice,
            source={
                "package": "name-suggestion-index",
                "version": version,
                "generated": str(nsi.get("_meta", {}).get("generated", "")),
                "country_coder": str(coder_package.get("version", "")),
            },
        )
        write(content, output)
        self.stdout.write(
            self.style.SUCCESS(
                f"Merchant directory from NSI {version}: {len(content['brands'])} brands, "
                f"{len(content['keys'])} names, {output.stat().st_size / 1e6:.1f} MB at {output} "
                f"in {time.perf_counter() - started:.1f}s"
            )
        )
