from shared.app import create_app, http_handler
from shared.tasks.routes import router

app = create_app(router, title="tasks")
handler = http_handler(app)
