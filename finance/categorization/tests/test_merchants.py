"""The merchant directory: built from data shaped like the name-suggestion-index package, and matched."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from finance.categorization.brand_categories import category_for_tags, category_resolver
from finance.categorization.classifier import Example, Item, train
from finance.categorization.merchants import (
    DirectoryLoadError,
    DirectoryView,
    MerchantDirectory,
    build,
    normalize_name,
    write,
)
from finance.categorization.pipeline import BRAND_ALONE_MAX, brand_prediction, categorize_many, with_brand


def _item(name: str, wikidata: str, countries: list[Any], **extra: Any) -> dict[str, Any]:
    tags = {"brand": name, "brand:wikidata": wikidata, "name": name}
    item: dict[str, Any] = {"displayName": name, "id": f"{name.lower()}-1", "locationSet": {"include": countries}}
    item["tags"] = tags
    item.update(extra)
    return item


NSI: dict[str, Any] = {
    "_meta": {"version": "8.0.1", "generated": "2026-09-18T00:00:00Z"},
    "nsi": {
        "brands/amenity/fuel": {
            "properties": {"path": "brands/amenity/fuel", "exclude": {"generic": ["^(fuel|gas|petrol)( station)?$"]}},
            "items": [
                _item("Engen", "Q1", ["za", "na"]),
                _item(
                    "Mobil", "Q2", ["001"], matchNames=["mobile"], locationSet={"include": ["001"], "exclude": ["jp"]}
                ),
                _item("Speedway", "Q3", ["us"]),
                _item("Fuel Station", "Q4", ["us"]),
                _item("Total", "Q5", ["150"]),
            ],
        },
        "brands/amenity/pharmacy": {
            "properties": {"path": "brands/amenity/pharmacy"},
            "items": [_item("Dis-Chem", "Q10", ["za"]), _item("Clicks", "Q11", ["018"])],
        },
        "brands/shop/supermarket": {
            "properties": {"path": "brands/shop/supermarket"},
            "items": [
                _item("Pick n Pay", "Q20", ["za"], matchNames=["pnp"]),
                _item("Marks & Spencer", "Q21", ["gb"]),
                _item("Shop", "Q22", ["za"]),
            ],
        },
        "brands/shop/convenience": {
            "properties": {"path": "brands/shop/convenience"},
            # Excluded from Japan in both of its categories: excluded there.
            "items": [_item("Mobil", "Q2", ["001"], locationSet={"include": ["001"], "exclude": ["jp"]})],
        },
        "brands/shop/clothes": {
            "properties": {"path": "brands/shop/clothes"},
            "items": [_item("Jet", "Q30", ["za"]), _item("Jet", "Q31", ["us"])],
        },
        "brands/advertising/totem": {"properties": {}, "items": [_item("Engen", "Q1", ["za"])]},
        "operators/amenity/bank": {"properties": {}, "items": [_item("City Bank", "Q40", ["us"])]},
    },
}
BORDERS: dict[str, Any] = {
    "type": "FeatureCollection",
    "features": [
        {"properties": {"iso1A2": "ZA", "groups": ["018", "202", "002", "UN"]}},
        {"properties": {"iso1A2": "NA", "groups": ["018", "202", "002", "UN"]}},
        {"properties": {"iso1A2": "US", "groups": ["021", "003", "019", "UN"]}},
        {"properties": {"iso1A2": "FR", "groups": ["EU", "155", "150", "UN"]}},
        {"properties": {"iso1A2": "GB", "groups": ["154", "150", "UN"]}},
        {"properties": {"iso1A2": "JP", "groups": ["030", "142", "UN"]}},
        {"properties": {"m49": "150", "level": "region"}},
    ],
}
GENERIC = ["^(shops?|stores?)$"]
MATCH_GROUPS = {"convenience": ["shop/convenience", "shop/supermarket"]}


def _content() -> dict[str, Any]:
    return build(
        NSI,
        generic_words=GENERIC,
        match_groups=MATCH_GROUPS,
        borders=BORDERS,
        notice="BSD-3-Clause notice",
        source={"package": "name-suggestion-index", "version": "8.0.1"},
    )


@pytest.fixture(scope="module")
def directory() -> MerchantDirectory:
    return MerchantDirectory(_content())


def test_names_are_compared_without_case_accents_apostrophes_or_punctuation() -> None:
    assert normalize_name("McDonald's") == "mcdonalds"
    assert normalize_name("DIS-CHEM  Ballito") == "dis chem ballito"
    assert normalize_name("Café Nero") == "cafe nero"
    assert normalize_name("Marks & Spencer") == "marks and spencer"


def test_build_keeps_brands_with_their_tags_countries_and_the_licence_notice(directory: MerchantDirectory) -> None:
    content = _content()
    assert content["format"] == 2
    assert content["notice"] == "BSD-3-Clause notice"
    assert content["source"]["version"] == "8.0.1"
    (mobil,) = directory.brands_named("Mobil")
    assert mobil.tags == ("amenity=fuel", "shop=convenience")  # one brand in two NSI categories
    assert mobil.countries == frozenset({"001"})
    assert mobil.excluded == frozenset({"jp"})
    (clicks,) = directory.brands_named("clicks")
    assert clicks.countries == frozenset({"za", "na"})  # the region 018 (Southern Africa) resolved
    (total,) = directory.brands_named("total")
    assert total.countries == frozenset({"fr", "gb"})
    # Not merchants: advertising totems and the NSI's operators.
    assert all("advertising=totem" not in b.tags for b in directory.brands)
    assert directory.brands_named("city bank") == []
    assert directory.groups["shop=convenience"] == ("convenience",)


def test_generic_names_are_never_brand_names(directory: MerchantDirectory) -> None:
    assert directory.brands_named("Shop") == []  # the NSI's genericWords
    assert directory.brands_named("Fuel Station") == []  # the category's exclude.generic
    assert directory.match("POS Purchase Shop 12 Fuel Station", country="us") == []


def test_match_names_joined_words_and_alternative_names(directory: MerchantDirectory) -> None:
    assert [m.brand.name for m in directory.match("POS Purchase DISCHEM Ballito", country="za")] == ["Dis-Chem"]
    assert [m.brand.name for m in directory.match("Dis Chem Pharmacies", country="za")] == ["Dis-Chem"]
    assert [m.brand.name for m in directory.match("PICKNPAY HYPER", country="za")] == ["Pick n Pay"]
    assert [m.brand.name for m in directory.match("Marks and Spencer Leeds", country="gb")] == ["Marks & Spencer"]
    assert [m.brand.name for m in directory.match("MARKS SPENCER", country="gb")] == ["Marks & Spencer"]
    pnp = directory.match("PNP CRP", country="za")[0]
    assert pnp.brand.name == "Pick n Pay"
    own = directory.match("Pick n Pay", country="za")[0]
    assert pnp.confidence < own.confidence  # a short alternative name counts for less


def test_country_filtering(directory: MerchantDirectory) -> None:
    assert directory.match("ENGEN MITCHELL PARK", country="za")[0].brand.name == "Engen"
    assert directory.match("ENGEN MITCHELL PARK", country="us") == []
    assert directory.match("ENGEN MITCHELL PARK", country=None)[0].brand.name == "Engen"  # no country: all
    assert directory.match("Mobil 1234", country="us")[0].brand.name == "Mobil"  # 001: everywhere...
    assert directory.match("Mobil 1234", country="jp") == []  # ...but where it is excluded
    # Two brands of one name in different countries: the country decides which one the text names.
    assert directory.match("JET SANDTON", country="za")[0].brand.wikidata == "Q30"
    assert directory.match("JET SANDTON", country="us")[0].brand.wikidata == "Q31"


def test_two_brands_in_one_text_longest_first_without_overlap(directory: MerchantDirectory) -> None:
    found = directory.match("Engen Quickshop with Pick n Pay Express", country="za")
    assert [m.brand.name for m in found] == ["Pick n Pay", "Engen"]
    assert [m.text for m in found] == ["pick n pay", "engen"]
    # A payee and a description are searched apart: no name spans the two.
    assert directory.match("Pick", "n Pay", country="za") == []


def test_a_brand_of_the_households_country_is_surer_than_one_of_everywhere(directory: MerchantDirectory) -> None:
    engen = directory.match("ENGEN", country="za")[0]
    mobil = directory.match("MOBIL", country="za")[0]
    assert engen.confidence > mobil.confidence


def test_the_artifact_round_trips_and_a_broken_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "directory.json.gz"
    write(_content(), path)
    loaded = MerchantDirectory.load(path)
    assert loaded.version == "8.0.1"
    assert loaded.match("dischem", country="za")[0].brand.name == "Dis-Chem"
    path.write_bytes(gzip.compress(json.dumps({"format": 99}).encode()))
    with pytest.raises(DirectoryLoadError, match="format"):
        MerchantDirectory.load(path)
    path.write_bytes(b"not gzip")
    with pytest.raises(DirectoryLoadError):
        MerchantDirectory.load(path)
    with pytest.raises(DirectoryLoadError, match="no merchant directory"):
        MerchantDirectory.load(tmp_path / "missing.json.gz")


def _packages(tmp_path: Path) -> Path:
    """A node_modules folder holding the two packages' files the command reads."""
    nsi = tmp_path / "node_modules" / "name-suggestion-index"
    (nsi / "dist" / "json").mkdir(parents=True)
    (nsi / "package.json").write_text(json.dumps({"name": "name-suggestion-index", "version": "8.0.1"}))
    (nsi / "LICENSE.md").write_text("## BSD 3-Clause\n\nCopyright 2026, name-suggestion-index contributors")
    (nsi / "dist" / "json" / "nsi.min.json").write_text(json.dumps(NSI))
    (nsi / "dist" / "json" / "genericWords.min.json").write_text(json.dumps({"genericWords": GENERIC}))
    (nsi / "dist" / "json" / "matchGroups.min.json").write_text(json.dumps({"matchGroups": MATCH_GROUPS}))
    coder = tmp_path / "node_modules" / "@rapideditor" / "country-coder"
    (coder / "src" / "data").mkdir(parents=True)
    (coder / "package.json").write_text(json.dumps({"version": "5.6.1"}))
    (coder / "LICENSE.md").write_text("ISC License")
    (coder / "src" / "data" / "borders.json").write_text(json.dumps(BORDERS))
    return tmp_path / "node_modules"


def test_the_command_builds_the_artifact_from_the_packages_and_skips_an_up_to_date_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    packages = _packages(tmp_path)
    output = tmp_path / "out" / "directory.json.gz"

    call_command("build_merchant_directory", packages=packages, output=output)

    built = MerchantDirectory.load(output)
    assert built.version == "8.0.1"
    assert len(built) == 10
    assert "BSD 3-Clause" in built.notice
    assert "ISC License" in built.notice
    assert "Merchant directory from NSI 8.0.1: 10 brands" in capsys.readouterr().out
    call_command("build_merchant_directory", packages=packages, output=output, if_missing=True)
    assert "already at" in capsys.readouterr().out
    # A newer package installed: rebuilt.
    (packages / "name-suggestion-index" / "package.json").write_text(json.dumps({"version": "8.0.2"}))
    call_command("build_merchant_directory", packages=packages, output=output, if_missing=True)
    assert "Rebuilding: built from NSI 8.0.1, 8.0.2 is installed" in capsys.readouterr().out


def test_the_command_says_how_to_get_the_package_when_it_is_missing(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="make assets"):
        call_command("build_merchant_directory", packages=tmp_path, output=tmp_path / "d.json.gz")
    assert not (tmp_path / "d.json.gz").exists()


# ---------------------------------------------------------------------------
# What the categorizer makes of it


def test_directory_features_change_the_prediction_for_a_payee_the_household_never_had(
    directory: MerchantDirectory,
) -> None:
    view = DirectoryView(directory, "za")
    history = [Example(f"POS Purchase Engen Branch {n}", category="Car") for n in range(4)]
    history += [Example(f"POS Purchase Dis-Chem Store {n}", category="Health") for n in range(4)]
    history += [Example(f"POS Purchase Pick n Pay {n}", category="Groceries") for n in range(4)]
    new = [Item("POS Purchase Clicks Rosebank")]  # a pharmacy it never had; no word in common with Dis-Chem

    assert view.features("", "POS Purchase Clicks Rosebank") == {
        "brand=Q11": pytest.approx(0.89),
        "osm=amenity=pharmacy": pytest.approx(0.89),
    }
    with_directory = train(history, directory=view).predict(new, directory=view)[0][0]
    without = train(history).predict(new)[0][0]
    assert with_directory.category == "Health"
    assert without.category != "Health" or without.confidence < with_directory.confidence
    assert "osm=amenity=pharmacy" in with_directory.explanation


def test_the_tag_mapping_is_written_against_the_default_categories() -> None:
    assert category_for_tags(("amenity=fuel",)) == ("Fuel", 1.0)
    assert category_for_tags(("amenity=bank", "amenity=atm")) is None  # a bank's name is not a merchant
    assert category_for_tags(("shop=lottery",)) == ("Entertainment", 0.85)
    assert category_for_tags(("shop=unheard_of",)) == ("Shopping", 0.7)  # the key's default
    fuel_and_shop = category_for_tags(("amenity=fuel", "shop=convenience"))
    assert fuel_and_shop is not None
    assert fuel_and_shop[0] == "Fuel"
    assert fuel_and_shop[1] < 1.0
    resolve = category_resolver(["Health", "Transport", "Gas & Fuel", "Eating Out"])
    assert resolve("Fuel") == "Gas & Fuel"  # a synonym
    assert resolve("Pharmacy") == "Health"  # the default's parent
    assert resolve("Dining out") == "Eating Out"
    assert resolve("Pets") is None


def test_cold_start_a_household_with_no_history_gets_the_brands_category_with_its_explanation(
    directory: MerchantDirectory,
) -> None:
    view = DirectoryView(directory, "za")
    names = ["Groceries", "Fuel", "Pharmacy", "Salary"]
    txns = [
        {"description": "POS Purchase Engen Mitchell Park", "amount": "-377.17"},
        {"description": "Dischem Ballito", "amount": "-80.00"},
        {"description": "Salary ACME", "amount": "20000"},
    ]
    found = categorize_many(
        txns, directory=view, category_map=category_resolver(names), country_name=lambda c: "South Africa"
    )
    assert [s.category for s in found] == ["Fuel", "Pharmacy", None]
    assert found[0].explanation == ("Engen — a fuel brand in South Africa (OpenStreetMap)",)
    assert found[0].source.value == "model"
    # On its own a brand leads the review's suggestions; it is not applied without review.
    assert found[0].confidence == BRAND_ALONE_MAX
    assert not found[0].auto_apply


def test_a_brand_agreeing_with_the_model_keeps_the_higher_confidence(directory: MerchantDirectory) -> None:
    match = DirectoryView(directory, "za").best("", "ENGEN")
    brand = brand_prediction(match, category_resolver(["Fuel"]))
    assert brand is not None
    assert brand.category == "Fuel"
    from finance.categorization.classifier import Prediction

    agreed = with_brand([Prediction("Fuel", 0.9, ('word "engen"',))], brand)
    assert agreed[0].confidence == 0.9
    assert agreed[0].explanation[0].startswith("Engen — a fuel brand")
    outvoted = with_brand([Prediction("Groceries", 0.95)], brand)
    assert [p.category for p in outvoted] == ["Groceries", "Fuel"]


def test_a_household_models_brand_reasons_are_said_as_a_person_reads_them(directory: MerchantDirectory) -> None:
    view = DirectoryView(directory, "za")
    history = [Example(f"Engen Branch {n}", category="Car") for n in range(4)]
    history += [Example(f"Pick n Pay {n}", category="Groceries") for n in range(4)]
    model = train(history, directory=view)
    raw = model.predict([Item("Engen Mall")], directory=view)[0][0]
    assert any(reason.startswith(("brand=", "osm=")) for reason in raw.explanation)  # the model's own words

    (engen,) = categorize_many([{"description": "Engen Mall"}], model=model, directory=view, country_name=str.title)
    assert engen.category == "Car"
    assert "Engen — a fuel brand in Za (OpenStreetMap)" in engen.explanation
    assert [r for r in engen.explanation if r.startswith(("brand=", "osm="))] == []


def test_a_name_in_another_script_has_no_key_even_with_latin_words_in_it() -> None:
    content = build(
        {"nsi": {"brands/amenity/charging_station": {"items": [_item("ΔΕΗ blue", "Q50", ["gr"])]}}},
        generic_words=[],
        match_groups={},
        borders=BORDERS,
        notice="",
        source={},
    )
    assert content["keys"] == {}
    assert content["brands"] == []
