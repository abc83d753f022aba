from shared.health.routes import router
from shared.http.app import create_app
from shared.lambda_http import http_handler

app = create_app(router, title="health")
handler = http_handler(app)
