"""Names the generator derives, and the names it refuses."""

from __future__ import annotations

import pytest

from tools.generator.naming import NameError_, Names, derive


@pytest.mark.parametrize(
    ("name", "plural", "expected"),
    [
        ("book", None, Names("book", "books", "Book", "Books")),
        ("order_item", None, Names("order_item", "order_items", "OrderItem", "OrderItems")),
        ("person", None, Names("person", "people", "Person", "People")),
        ("category", None, Names("category", "categories", "Category", "Categories")),
        ("bus", None, Names("bus", "buses", "Bus", "Buses")),
        ("cactus", "cactuses", Names("cactus", "cactuses", "Cactus", "Cactuses")),
    ],
)
def test_names_are_derived(name: str, plural: str | None, expected: Names) -> None:
    assert derive(name, plural) == expected


def test_routes_and_functions_follow_the_plural() -> None:
    names = derive("order_item")
    assert (names.route, names.function_id) == ("/api/v1/order-items", "OrderItemsFunction")


@pytest.mark.parametrize(
    ("name", "plural", "reason"),
    [
        ("Book", None, "snake_case"),
        ("1book", None, "snake_case"),
        ("book-club", None, "snake_case"),
        ("book__club", None, "snake_case"),
        ("class", None, "Python keyword"),
        ("match", None, "Python keyword"),
        ("select", None, "reserved word of PostgreSQL"),
        ("user", None, "reserved word of PostgreSQL"),
        ("task", None, "already used by the project"),
        ("monitoring", "monitorings", "already used by the project"),
        ("sheep", None, "no distinct plural"),
        ("book", "Books", "snake_case"),
    ],
)
def test_bad_names_are_refused(name: str, plural: str | None, reason: str) -> None:
    with pytest.raises(NameError_, match=reason):
        derive(name, plural)
