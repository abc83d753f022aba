from shared.app import create_app, http_handler
from shared.sync.routes import router

app = create_app(router, title="sync")
handler = http_handler(app)
