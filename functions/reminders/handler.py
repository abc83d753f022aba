from shared.app import create_app, http_handler
from shared.reminders.routes import router

app = create_app(router, title="reminders")
handler = http_handler(app)
