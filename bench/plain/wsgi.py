"""WSGI entry point of the plain baseline app (``gunicorn bench.plain.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.plain.settings")

application = get_wsgi_application()
