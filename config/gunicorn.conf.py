# gunicorn -c config/gunicorn.conf.py "reporter:create_app()"
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
forwarded_allow_ips = "127.0.0.1"
