"""From a brand's kind of place (its OpenStreetMap tag) to a category, for a household with no history.

:data:`TAG_CATEGORIES` maps OSM tags to the product's default categories
(``finance.ledger.defaults``); it was written against that category set and
OSM's tag documentation only. A tag the table does not name falls back to its
key's default (any ``shop=`` is "Shopping"); banks, offices and post offices
suggest nothing (a bank's name in a statement is usually the account's bank,
not a merchant). A household names its categories itself, so
:func:`category_resolver` finds the household's category for a default name
through common synonyms (:data:`CATEGORY_SYNONYMS`, the names personal-finance
apps use for the same thing), then through the default's parent ("Pharmacy",
else "Health").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from finance.categorization.label_aliases import synonym_resolver
from finance.ledger.defaults import DEFAULT_CATEGORIES

# How sure a tag is of its category: 1.0 where the kind of place sells one kind of thing.
SURE = 1.0
LIKELY = 0.85
BROAD = 0.7

_TAGS: dict[tuple[str, float], tuple[str, ...]] = {
    ("Fuel", SURE): ("amenity=fuel", "amenity=charging_station"),
    ("Car maintenance", LIKELY): ("amenity=car_wash", "shop=car_repair", "shop=tyres", "shop=car_parts"),
    ("Parking", SURE): ("amenity=parking", "amenity=parking_entrance"),
    ("Taxi", SURE): ("amenity=taxi",),
    ("Public transport", LIKELY): ("amenity=bicycle_rental", "amenity=bus_station", "amenity=ferry_terminal"),
    ("Groceries", SURE): ("shop=supermarket", "shop=grocery", "shop=greengrocer", "shop=wholesale"),
    ("Groceries", LIKELY): (
        "shop=convenience",
        "shop=butcher",
        "shop=deli",
        "shop=frozen_food",
        "shop=health_food",
        "shop=seafood",
        "shop=bakery",
        "shop=pastry",
        "shop=confectionery",
        "shop=cheese",
        "shop=farm",
        "shop=alcohol",
        "shop=wine",
        "shop=beverages",
        "shop=water",
    ),
    ("Dining out", SURE): ("amenity=restaurant", "amenity=fast_food", "amenity=food_court"),
    ("Dining out", LIKELY): ("amenity=pub", "amenity=bar", "amenity=biergarten", "amenity=ice_cream"),
    ("Coffee", SURE): ("amenity=cafe", "shop=coffee", "shop=tea"),
    ("Pharmacy", SURE): ("amenity=pharmacy", "shop=chemist", "healthcare=pharmacy"),
    ("Doctor", LIKELY): (
        "amenity=doctors",
        "amenity=clinic",
        "amenity=dentist",
        "amenity=hospital",
        "healthcare=clinic",
        "healthcare=laboratory",
        "healthcare=physiotherapist",
        "healthcare=sample_collection",
        "healthcare=dialysis",
        "healthcare=blood_donation",
    ),
    ("Health", LIKELY): ("shop=optician", "shop=medical_supply", "shop=hearing_aids", "healthcare=optometrist"),
    ("Fitness", SURE): ("leisure=fitness_centre", "leisure=sports_centre", "leisure=sports_hall"),
    ("Clothing", SURE): ("shop=clothes", "shop=shoes", "shop=fashion_accessories", "shop=bag", "shop=boutique"),
    ("Electronics", SURE): ("shop=electronics", "shop=computer", "shop=hifi", "shop=appliance", "shop=video"),
    ("Electronics", LIKELY): ("shop=mobile_phone", "shop=telecommunication"),
    ("Household goods", SURE): (
        "shop=hardware",
        "shop=doityourself",
        "shop=furniture",
        "shop=houseware",
        "shop=garden_centre",
        "shop=interior_decoration",
        "shop=kitchen",
        "shop=bed",
        "shop=paint",
        "shop=bathroom_furnishing",
        "shop=flooring",
        "shop=curtain",
        "shop=lighting",
        "shop=trade",
    ),
    ("Books", SURE): ("shop=books",),
    ("Hobbies", LIKELY): (
        "shop=toys",
        "shop=games",
        "shop=video_games",
        "shop=music",
        "shop=musical_instrument",
        "shop=art",
        "shop=craft",
        "shop=model",
        "shop=sports",
        "shop=outdoor",
        "shop=bicycle",
        "shop=fabric",
        "shop=photo",
    ),
    ("Events", LIKELY): ("amenity=cinema", "amenity=theatre", "amenity=nightclub", "amenity=arts_centre"),
    ("Entertainment", LIKELY): (
        "leisure=bowling_alley",
        "leisure=amusement_arcade",
        "leisure=escape_game",
        "leisure=water_park",
        "tourism=theme_park",
        "tourism=zoo",
        "tourism=aquarium",
        "amenity=casino",
        "shop=lottery",
    ),
    ("Pets", SURE): ("shop=pet", "amenity=veterinary", "shop=pet_grooming", "shop=animal_boarding"),
    ("Personal care", SURE): ("shop=hairdresser", "shop=beauty", "shop=cosmetics", "shop=perfumery", "shop=massage"),
    ("Personal care", LIKELY): ("shop=tattoo", "leisure=tanning_salon", "shop=hairdresser_supply"),
    ("Accommodation", SURE): (
        "tourism=hotel",
        "tourism=motel",
        "tourism=hostel",
        "tourism=guest_house",
        "tourism=apartment",
        "tourism=camp_site",
        "tourism=caravan_site",
        "tourism=chalet",
    ),
    ("Travel", LIKELY): ("shop=travel_agency", "amenity=car_rental"),
    ("Education", LIKELY): (
        "amenity=school",
        "amenity=college",
        "amenity=university",
        "amenity=driving_school",
        "amenity=language_school",
        "amenity=music_school",
        "amenity=prep_school",
    ),
    ("Kids", LIKELY): ("amenity=childcare", "amenity=kindergarten", "shop=baby_goods"),
    ("Shopping", LIKELY): (
        "shop=department_store",
        "shop=variety_store",
        "shop=general",
        "shop=mall",
        "shop=jewelry",
        "shop=watches",
        "shop=gift",
        "shop=florist",
        "shop=stationery",
        "shop=discount",
        "shop=second_hand",
        "shop=charity",
    ),
    ("Gifts and donations", LIKELY): ("shop=charity_donation",),
}
#: OSM tag → (default category name, how sure).
TAG_CATEGORIES: dict[str, tuple[str, float]] = {
    tag: (category, weight) for (category, weight), tags in _TAGS.items() for tag in tags
}
#: A tag the table does not name: its key's default.
KEY_DEFAULTS: dict[str, tuple[str, float]] = {"shop": ("Shopping", BROAD)}

#: Default category → the names other personal-finance apps and people give the same category (first the
#: product's own). Matched case- and punctuation-insensitively, ``&`` as ``and``.
CATEGORY_SYNONYMS: dict[str, tuple[str, ...]] = {
    "Fuel": ("Fuel", "Gas & Fuel", "Gas", "Petrol", "Gasoline"),
    "Car maintenance": ("Car maintenance", "Auto maintenance", "Service & Parts", "Car Wash"),
    "Parking": ("Parking",),
    "Taxi": ("Taxi", "Ride Share", "Rideshare", "Taxis"),
    "Public transport": ("Public transport", "Public Transportation", "Transit"),
    "Transport": ("Transport", "Transportation", "Auto & Transport", "Car"),
    "Groceries": ("Groceries", "Grocery", "Supermarket", "Food"),
    "Dining out": ("Dining out", "Dining", "Restaurants", "Eating Out", "Food & Drink", "Fast Food"),
    "Coffee": ("Coffee", "Coffee Shops", "Cafes"),
    "Food": ("Food", "Food & Dining", "Food & Drink"),
    "Pharmacy": ("Pharmacy", "Chemist", "Drugstore"),
    "Doctor": ("Doctor", "Doctors", "Dentist", "Medical"),
    "Health": ("Health", "Healthcare", "Medical", "Health & Medical", "Health & Fitness", "Health and Wellness"),
    "Fitness": ("Fitness", "Gym", "Sport", "Sports"),
    "Clothing": ("Clothing", "Clothes", "Apparel", "Shoes"),
    "Electronics": ("Electronics", "Electronics & Software", "Electronics & Appliances", "Appliances"),
    "Household goods": (
        "Household goods",
        "Household",
        "Home",
        "Home Supplies",
        "Home Improvement",
        "Home & Garden",
        "Furnishings",
        "Lawn & Garden",
    ),
    "Books": ("Books", "Books & Supplies"),
    "Hobbies": ("Hobbies", "Sporting Goods", "Toys", "Games"),
    "Events": ("Events", "Movies & DVDs", "Cinema", "Arts", "Amusement"),
    "Entertainment": ("Entertainment", "Leisure", "Fun"),
    "Pets": ("Pets", "Pet Food & Supplies", "Pet Grooming", "Veterinary"),
    "Personal care": ("Personal care", "Hair", "Beauty", "Spa & Massage", "Wellness"),
    "Accommodation": ("Accommodation", "Hotel", "Hotels", "Lodging"),
    "Travel": ("Travel", "Holidays", "Holidays & Travel", "Vacation", "Rental Car & Taxi"),
    "Education": ("Education", "School", "Tuition"),
    "Kids": ("Kids", "Children", "Childcare", "Baby Supplies"),
    "Shopping": ("Shopping", "General Purchases", "General Merchandise"),
    "Gifts and donations": ("Gifts and donations", "Gifts & Donations", "Gift", "Charity", "Donation", "Donations"),
}


def _parents() -> dict[str, str]:
    parents = {}
    for tree in DEFAULT_CATEGORIES.values():
        for parent, children in tree:
            for child in children:
                parents[child] = parent
    return parents


PARENTS: dict[str, str] = _parents()


def category_for_tags(tags: Sequence[str]) -> tuple[str, float] | None:
    """The default category of a brand's tags and how sure it is; ``None`` when they suggest nothing.

    A brand of two tags that disagree (7-Eleven: fuel and convenience) gives the first tag's category at a
    lower weight.
    """
    found = [TAG_CATEGORIES.get(tag) or KEY_DEFAULTS.get(tag.partition("=")[0]) for tag in tags]
    named = [f for f in found if f is not None]
    if not named:
        return None
    best = max(named, key=lambda f: f[1])
    if len({category for category, _weight in named}) > 1:
        return best[0], best[1] * LIKELY
    return best


def category_resolver(household_categories: Iterable[str]) -> Callable[[str], str | None]:
    """The household's category for a default category name: the name or a synonym, else its parent's."""
    return synonym_resolver(household_categories, CATEGORY_SYNONYMS, PARENTS)
