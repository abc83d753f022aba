from shared.app import create_app, http_handler
from shared.contacts.routes import router

app = create_app(router, title="contacts")
handler = http_handler(app)
