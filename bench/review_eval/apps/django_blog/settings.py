DEBUG = True
SECRET_KEY = "django-insecure-7x#k2@p!q9v$w3z&m8n^b4c*e6f(g)h_j1l+r5t=y0u"
ALLOWED_HOSTS = ["*"]
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "PASSWORD": "postgres-Pa55w0rd!"}}
