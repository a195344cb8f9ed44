"""The production server's side of the service: the WSGI entry point (``wsgi.app``) and the
start-up warming its hooks call (``warm``), both used by ``deploy/gunicorn.conf.py``."""
