"""Settings of the test shop."""

from __future__ import annotations

SECRET_KEY = "test-shop-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
USE_TZ = True
ROOT_URLCONF = "shop.urls"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "smsbridge.integrations.django",
    "shop",
]
MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

# The Nikita simulator's demo account; the tests never let an SMS leave the process.
SMSBRIDGE = {
    "default": "nikita+http://demo:demo-password@127.0.0.1:9/api?sender=SHOP",
    "backup": {"driver": "ketchup", "api_key": "demo-key", "sender": "BACKUP",
               "base_url": "http://127.0.0.1:9/rest"},
}
SMSBRIDGE_WEBHOOK = {"username": "dlr", "password": "hook-pw", "max_body": 4096}
STATIC_URL = "/static/"

# The tests provoke refusals and failing receivers on purpose; keep their logs quiet.
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "loggers": {"smsbridge": {"level": "CRITICAL"}}}
