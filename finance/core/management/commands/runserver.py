"""``manage.py runserver`` (what ``make run`` serves with) closing each request thread's database connections.

Django's development server answers every connection on a thread of its own
(``socketserver.ThreadingMixIn``), and a thread that opens a database
connection keeps it: with ``CONN_MAX_AGE`` (``DB_CONN_MAX_AGE``, 60 s by
default) nothing closes it when the request ends, and the thread then ends
with the connection still open. On PostgreSQL they pile up until the server
refuses everyone ("too many clients"). Django's own test server
(``ThreadedWSGIServer``) closes them in ``close_request``; this does the same
for ``runserver``: when a thread's client connection is done, the database
connections that thread opened are closed. So the development server holds at
most one database connection per open client connection, and none once they
close. (gunicorn's sync and gthread workers reuse their threads, so they hold
at most workers × threads connections: docs/operations.md.)

It keeps everything else of ``django.contrib.staticfiles``' runserver (static
files under ``DEBUG``); ``finance.core`` is listed before staticfiles in
``INSTALLED_APPS`` so this command is the one ``manage.py`` finds.
"""

from __future__ import annotations

from typing import Any

from django.contrib.staticfiles.management.commands.runserver import Command as StaticfilesRunserverCommand
from django.core.servers.basehttp import WSGIServer
from django.db import connections


class ConnectionClosingWSGIServer(WSGIServer):
    """The development server whose request threads close their database connections when done."""

    def close_request(self, request: Any) -> None:
        # Runs on the thread that served the client connection, once it is finished: the connections
        # closed are that thread's own (Django's connections are per thread).
        try:
            connections.close_all()
        finally:
            super().close_request(request)


class Command(StaticfilesRunserverCommand):
    server_cls = ConnectionClosingWSGIServer
