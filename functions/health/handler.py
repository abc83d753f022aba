from shared.app import create_app, http_handler
from shared.health.routes import router

app = create_app(router, title="health")
handler = http_handler(app)
