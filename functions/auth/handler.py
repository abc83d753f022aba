from shared.app import create_app, http_handler
from shared.identity.auth_routes import router

app = create_app(router, title="auth")
handler = http_handler(app)
