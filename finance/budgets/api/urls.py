from django.urls import include, path
from rest_framework.routers import SimpleRouter

from finance.budgets.api.views import BudgetMoveViewSet, BudgetViewSet, GoalContributionViewSet, GoalViewSet

router = SimpleRouter()
router.register("budgets", BudgetViewSet, basename="budget")
router.register("goals", GoalViewSet, basename="goal")

moves = SimpleRouter()
moves.register("moves", BudgetMoveViewSet, basename="budget-move")

contributions = SimpleRouter()
contributions.register("contributions", GoalContributionViewSet, basename="goal-contribution")

urlpatterns = [
    *router.urls,
    path("budgets/<str:budget_pk>/", include(moves.urls)),
    path("goals/<str:goal_pk>/", include(contributions.urls)),
]
