from django.urls import include, path

from finance.budgets.api.views import BudgetMoveViewSet, BudgetViewSet, GoalContributionViewSet, GoalViewSet
from finance.core.api.routes import Router

router = Router()
router.register("budgets", BudgetViewSet, basename="budget")
router.register("goals", GoalViewSet, basename="goal")

moves = Router()
moves.register("moves", BudgetMoveViewSet, basename="budget-move")

contributions = Router()
contributions.register("contributions", GoalContributionViewSet, basename="goal-contribution")

urlpatterns = [
    *router.urls,
    path("budgets/<id:budget_pk>/", include(moves.urls)),
    path("goals/<id:goal_pk>/", include(contributions.urls)),
]
