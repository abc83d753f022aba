from shared.auth.routes import router
from shared.http.app import create_app
from shared.lambda_http import http_handler

app = create_app(router, title="auth")
handler = http_handler(app)
