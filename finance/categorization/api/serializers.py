"""Input and output shapes of the rules API and the review queue."""

from __future__ import annotations

from rest_framework import serializers

from finance.categorization.models import DisabledReason, Rule, RuleMatch
from finance.categorization.rules import MAX_ACTIONS, MAX_CONDITIONS, ActionType, Field, Operator
from finance.core.api.fields import BoundedListSerializer
from finance.ledger.api.serializers import TransactionOutputSerializer

HOUSEHOLD_HELP = "Household to create in; defaults to your default household."


class ConditionSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=[f.value for f in Field])
    operator = serializers.ChoiceField(choices=[o.value for o in Operator])
    value = serializers.JSONField(help_text="Text, a number, `[low, high]` for `between`, a list for `one_of`.")
    case_sensitive = serializers.BooleanField(required=False, default=False)

    class Meta:
        list_serializer_class = BoundedListSerializer


class ActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[a.value for a in ActionType])
    value = serializers.CharField(
        required=False,
        allow_null=True,
        default=None,
        help_text="`set_category`: a category id; `add_tag`: a tag name; `set_payee`: the new payee; "
        "none for `mark_reviewed` and `exclude`.",
    )

    class Meta:
        list_serializer_class = BoundedListSerializer


class RuleUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    priority = serializers.IntegerField(required=False)
    is_active = serializers.BooleanField(required=False)
    match = serializers.ChoiceField(choices=RuleMatch.choices, required=False)
    stop_processing = serializers.BooleanField(required=False)
    conditions = ConditionSerializer(many=True, required=False, max_length=MAX_CONDITIONS)  # type: ignore[call-arg]
    actions = ActionSerializer(many=True, required=False, max_length=MAX_ACTIONS)  # type: ignore[call-arg]


class RuleInputSerializer(RuleUpdateSerializer):
    household = serializers.UUIDField(required=False, write_only=True, help_text=HOUSEHOLD_HELP)
    name = serializers.CharField(max_length=120)
    conditions = ConditionSerializer(many=True, max_length=MAX_CONDITIONS)  # type: ignore[call-arg]
    actions = ActionSerializer(many=True, max_length=MAX_ACTIONS)  # type: ignore[call-arg]


class RuleOutputSerializer(serializers.ModelSerializer):
    conditions = ConditionSerializer(many=True, read_only=True)
    actions = ActionSerializer(many=True, read_only=True)

    # Declared: a read-only model field would lose ``allow_blank``, and the schema then forbids the "" most rules have.
    disabled_reason = serializers.ChoiceField(
        choices=DisabledReason.choices,
        allow_blank=True,
        read_only=True,
        help_text="Why the system turned the rule off (it took too long): `slow_condition` (a regular expression "
        "ran out of time on a transaction) or `time_budget` (its conditions used up the time rules may take); "
        "empty otherwise. Turning the rule on again (`is_active: true`) clears it.",
    )

    class Meta:
        model = Rule
        fields = [
            "id",
            "household",
            "name",
            "priority",
            "is_active",
            "match",
            "stop_processing",
            "conditions",
            "actions",
            "disabled_reason",
            "disabled_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "disabled_at": {"help_text": "When the system turned the rule off."},
        }


class ApplyResultSerializer(serializers.Serializer):
    matched = serializers.IntegerField(help_text="Transactions the rule's conditions match.")
    changed = serializers.IntegerField(help_text="Transactions the rule changes (or would, on a dry run).")
    dry_run = serializers.BooleanField()
    transaction_ids = serializers.ListField(child=serializers.UUIDField())


class ReviewSuggestionSerializer(serializers.Serializer):
    category = serializers.UUIDField()
    confidence = serializers.DecimalField(max_digits=5, decimal_places=4, coerce_to_string=False, allow_null=True)
    source = serializers.CharField(help_text="`rule`, `history` or `model`.")  # type: ignore[assignment]
    explanation = serializers.CharField()


class ReviewItemSerializer(serializers.Serializer):
    transaction = TransactionOutputSerializer()
    suggestions = ReviewSuggestionSerializer(many=True)
