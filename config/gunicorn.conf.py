# gunicorn -c config/gunicorn.conf.py "reporter:create_app()"
import os

# No access log: a request line carries the reporter's address and the precise time.
bind = "127.0.0.1:8000"
workers = 2
threads = 4
accesslog = None
errorlog = "-"
loglevel = "warning"
# Uploads are held in memory; keep workers' memory bounded.
max_requests = 1000
max_requests_jitter = 100
limit_request_line = 4094
# A report with five long voice recordings takes a while to clean (see docs/performance.md).
timeout = 180
# The app itself decides which proxy to believe (REPORTER_TRUSTED_PROXIES): gunicorn must not
# turn a client's own X-Forwarded-Proto into https, as it would for anything from 127.0.0.1,
# where every onion visitor arrives.
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}
# Files the app creates (the SQLite database and its journal, instance secrets) are for this
# user only. gunicorn applies `umask` to the files and sockets it makes itself; this file is run
# by the master before the app is loaded and workers are forked, so set it here as well.
umask = 0o077
os.umask(umask)
