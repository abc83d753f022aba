from shared.app import create_app, http_handler
from shared.identity.users_routes import router

app = create_app(router, title="users")
handler = http_handler(app)
