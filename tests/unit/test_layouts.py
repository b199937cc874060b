"""Index layouts (indexes.specs): shards and replicas per index from two settings."""

import pytest

from indexes.specs import Layout, build_indexes, parse_layouts


def test_one_value_lays_out_every_index_and_pairs_single_some_out() -> None:
    every = parse_layouts("2", "1")
    assert {layout for name, layout in every.items()} == {Layout(2, "1")}
    some = parse_layouts("profiles=3,postings=2,*=1", "0-1,audit=2")
    assert some["profiles"] == Layout(3, "0-1")
    assert some["postings"] == Layout(2, "0-1")
    assert some["audit"] == Layout(1, "2")
    assert some["tokens"] == Layout(1, "0-1")


@pytest.mark.parametrize(
    ("shards", "replicas", "wrong"),
    [
        ("0", "0-1", "MATCHER_INDEX_SHARDS"),
        ("profile=2", "0-1", "unknown index 'profile'"),
        ("1", "one", "MATCHER_INDEX_REPLICAS"),
        ("1", "postings=-1", "MATCHER_INDEX_REPLICAS"),
    ],
)
def test_a_layout_that_cannot_be_applied_is_refused_naming_it(
    shards: str, replicas: str, wrong: str
) -> None:
    with pytest.raises(ValueError, match=wrong):
        parse_layouts(shards, replicas)


def test_an_index_is_created_with_its_layout() -> None:
    layouts = parse_layouts("profiles=3", "audit=1,*=0-1")
    indexes = build_indexes("x", dims=4, embedding_model="m", layouts=layouts)
    profiles = indexes.profiles.body()["settings"]
    assert (profiles["number_of_shards"], profiles["auto_expand_replicas"]) == (3, "0-1")
    assert "number_of_replicas" not in profiles
    audit = indexes.audit.body()["settings"]
    assert (audit["number_of_shards"], audit["number_of_replicas"]) == (1, 1)
    assert audit["auto_expand_replicas"] is False
    # Without layouts: one shard, replicas expanding with the cluster.
    plain = build_indexes("x", dims=4, embedding_model="m").postings.body()["settings"]
    assert (plain["number_of_shards"], plain["auto_expand_replicas"]) == (1, "0-1")
