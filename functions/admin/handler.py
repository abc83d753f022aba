from shared.admin.routes import router
from shared.app import create_app, http_handler

app = create_app(router, title="admin")
handler = http_handler(app)
