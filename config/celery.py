"""The Celery application.

With ``CELERY_BROKER_URL`` set, tasks go to that broker and a worker runs them
(``celery -A config worker``); unset, they run eagerly in the calling process.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("finance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
