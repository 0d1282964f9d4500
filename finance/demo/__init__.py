"""Demo data for every domain: ``manage.py load_demo`` (what ``make run`` shows), ``generate_demo_data``
and ``bench_import`` (the benchmark data sets). It sits above the domains it fills and below nothing."""
