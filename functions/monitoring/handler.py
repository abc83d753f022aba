from shared.app import create_app, http_handler
from shared.monitoring.routes import router

app = create_app(router, title="monitoring")
handler = http_handler(app)
