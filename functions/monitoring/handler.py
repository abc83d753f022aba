from shared.http.app import create_app
from shared.lambda_http import http_handler
from shared.monitoring.routes import router

app = create_app(router, title="monitoring")
handler = http_handler(app)
