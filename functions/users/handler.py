from shared.http.app import create_app
from shared.lambda_http import http_handler
from shared.users.routes import router

app = create_app(router, title="users")
handler = http_handler(app)
