from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "finance.users"
    label = "users"
    verbose_name = "Users"

    def ready(self) -> None:
        from finance.users import (
            schema,  # noqa: F401 - registers the OpenAPI auth extension
            signals,
        )

        signals.connect()
