import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()

# Import every view now rather than on a worker's first request, then take everything loaded so far
# (modules, classes, settings, URL patterns: ~230,000 objects that live as long as the process) out of
# the garbage collector's full collections. Otherwise each full collection walks all of them: ~150-200 ms
# of CPU every few hundred requests, the p99 of a list page (docs/benchmarks.md, "Transactions list").
get_resolver().url_patterns  # noqa: B018 - the property imports the URLconf and its views
gc.collect()
gc.freeze()
