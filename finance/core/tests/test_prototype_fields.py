"""``PrototypeFields``: fields built once per class, each serializer instance validating with its own copies."""

from __future__ import annotations

from rest_framework import serializers

from finance.core.api.serializers import PrototypeFields


class Part(PrototypeFields, serializers.Serializer):
    name = serializers.CharField(max_length=5)


class Whole(PrototypeFields, serializers.Serializer):
    title = serializers.CharField(max_length=10)
    labels = serializers.ListField(child=serializers.CharField(max_length=3), required=False)
    parts = Part(many=True, required=False)
    seen = serializers.SerializerMethodField()

    def get_seen(self, obj):
        return self.context.get("who")


def test_each_instance_gets_its_own_bound_fields():
    first, second = Whole(data={}), Whole(data={})
    for name in ("title", "labels", "parts"):
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].parent is first
        assert second.fields[name].parent is second
    assert first.fields["parts"].child.fields["name"] is not second.fields["parts"].child.fields["name"]


def test_validation_and_context_are_per_instance():
    good = Whole(data={"title": "Groceries", "labels": ["a", "bb"], "parts": [{"name": "milk"}]})
    bad = Whole(data={"title": "x" * 11, "labels": ["long"], "parts": [{"name": "toolong"}]})
    assert good.is_valid(), good.errors
    assert not bad.is_valid()
    assert set(bad.errors) == {"title", "labels", "parts"}
    assert bad.errors["parts"][0]["name"][0].code == "max_length"
    # The refusal left nothing behind: a third instance validates the good data the same way.
    again = Whole(data={"title": "Groceries", "labels": ["a"], "parts": [{"name": "milk"}]})
    assert again.is_valid(), again.errors
    assert again.validated_data["parts"] == [{"name": "milk"}]
    assert Whole({"title": "t"}, context={"who": "ana"}).data["seen"] == "ana"
    assert Whole({"title": "t"}, context={"who": "ben"}).data["seen"] == "ben"
