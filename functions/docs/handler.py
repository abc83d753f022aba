from shared.app import create_app, http_handler
from shared.docs.routes import router

app = create_app(router, title="docs")
handler = http_handler(app)
